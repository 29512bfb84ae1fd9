import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { METRICS } from '../../lambdas/shared/catalog/metrics';
import { CONFIG_DEFAULTS, type MigrationConfig } from '../../lambdas/shared/migration-config';
import { ferryMetric } from '../metrics';
import { RunbookAlarm } from './runbook-alarm';

export interface StallAlarmProps {
  /** The migration whose progress the alarm reads (the metrics' `migrationId` dimension). */
  readonly migrationId: string;
  /** Told on ALARM and on OK. */
  readonly topic: sns.ITopic;
  /**
   * `thresholds.stallMinutes`: the window without progress after which the alarm fires.
   * @default 15 (the config's default)
   */
  readonly stallMinutes?: number;
  /**
   * `replication.engine`: where the description tells an operator to look.
   * @default 'native'
   */
  readonly engine?: MigrationConfig['replication']['engine'];
  /**
   * Start of the alarm name: `<prefix>-<migration>-replication-stalled`.
   * @default - the stack name (`Ferry-<env>`)
   */
  readonly namePrefix?: string;
}

const DEFAULTS = { stallMinutes: CONFIG_DEFAULTS.thresholds.stallMinutes, engine: 'native' } as const;

/**
 * Notifies (never rolls back) when a migration's replication makes no progress for `stallMinutes`
 * while it has work to do. Over one window of `stallMinutes` (the replication monitor publishes
 * once a minute, lambdas/replication-monitor), with running totals read from PostgreSQL's own
 * statistics on both databases:
 *
 * - progress: ChangesApplied (rows written into the replicated tables where the replication
 *   writes, COPYs in progress included) grew: its maximum in the window exceeds its minimum;
 * - work to do: ChangesWritten (the same total where the replication reads) grew, that is the
 *   source is being written, or the full load is not finished (TablesPending above 0: a full load
 *   has work whether or not the source is written);
 * - enough readings: at least half the window's minutes have a ChangesApplied datapoint, so a
 *   monitor that just started (one reading: no growth yet) does not count as a stall.
 *
 * Stalled = readings AND work AND NOT progress. Missing data (a phase without replication,
 * nothing published) is not breaching; a monitor that stopped is the replication-monitor-silent
 * alarm's business. A statistics reset or a switch of direction at cutover makes a total jump,
 * which reads as progress: the alarm errs towards quiet.
 */
export class StallAlarm extends Construct {
  public readonly alarm: cloudwatch.Alarm;
  /** 1 for a window without progress, else 0: what the alarm watches (also for graphs). */
  public readonly stalled: cloudwatch.MathExpression;

  constructor(scope: Construct, id: string, props: StallAlarmProps) {
    super(scope, id);
    const { migrationId } = props;
    const stallMinutes = props.stallMinutes ?? DEFAULTS.stallMinutes;
    if (!Number.isInteger(stallMinutes) || stallMinutes < 5 || stallMinutes > 1440) {
      throw new Error(`StallAlarm: stallMinutes must be a whole number of minutes from 5 to 1440, got ${stallMinutes}`);
    }
    const engine = props.engine ?? DEFAULTS.engine;
    const period = Duration.minutes(stallMinutes);
    const dims = { migrationId };
    const metric = (entry: typeof METRICS.changesApplied, statistic: string) => ferryMetric(entry, dims, { statistic, period });
    this.stalled = new cloudwatch.MathExpression({
      label: `${migrationId}: no replication progress for ${stallMinutes} min while there is work`,
      period,
      // Every comparison in parentheses: nothing rests on how metric math ranks AND, OR and >=.
      expression:
        `IF((FILL(readings, 0) >= ${Math.ceil(stallMinutes / 2)}) ` +
        'AND ((FILL(writtenMax - writtenMin, 0) > 0) OR (FILL(pending, 0) > 0)) ' +
        'AND (FILL(appliedMax - appliedMin, 0) <= 0), 1, 0)',
      usingMetrics: {
        writtenMax: metric(METRICS.changesWritten, cloudwatch.Stats.MAXIMUM),
        writtenMin: metric(METRICS.changesWritten, cloudwatch.Stats.MINIMUM),
        appliedMax: metric(METRICS.changesApplied, cloudwatch.Stats.MAXIMUM),
        appliedMin: metric(METRICS.changesApplied, cloudwatch.Stats.MINIMUM),
        readings: metric(METRICS.changesApplied, cloudwatch.Stats.SAMPLE_COUNT),
        pending: ferryMetric(METRICS.tablesPending, dims, { statistic: cloudwatch.Stats.MAXIMUM, period }),
      },
    });
    const prefix = props.namePrefix ?? Stack.of(this).stackName;
    this.alarm = new RunbookAlarm(this, 'Alarm', {
      namePrefix: prefix,
      name: `${migrationId}-replication-stalled`,
      topic: props.topic,
      metric: this.stalled,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      means:
        `The replication of migration ${migrationId} has applied nothing for ${stallMinutes} minutes although the source is being written ` +
        `or its full load is not finished (ChangesApplied flat while ChangesWritten grows or TablesPending > 0). It notifies only: nothing rolls back. `,
      runbook:
        `Look at the Ferry-<env> dashboard's progress widgets, then ${where(engine)}. ` +
        'A replication that is stuck but healthy shows growing lag too; fix the cause and it catches up. Raise thresholds.stallMinutes if long pauses are normal (a long table copy is not one: its rows count as they are copied).',
    });
  }
}

function where(engine: MigrationConfig['replication']['engine']): string {
  return engine === 'native'
    ? "on the target: pg_stat_subscription (is the apply worker running, last_msg_receipt_time), pg_stat_progress_copy, and the server log's logical replication errors; on the source: pg_stat_replication and pg_replication_slots (is the slot active)"
    : "in the DMS console: the task's table statistics and its CloudWatch log (dms-tasks-<instance> or dms-serverless-replication-<id>), and the AWS/DMS CDCLatencySource/Target metrics";
}
