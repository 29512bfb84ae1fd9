import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { MetricEntry } from '../../lambdas/shared/catalog/metrics';
import { CONFIG_DEFAULTS } from '../../lambdas/shared/migration-config';
import { CAPTURE_WAL_METRIC_ENTRIES, VERIFICATION_METRIC_ENTRIES } from '../../lambdas/shared/verification/metrics';
import { ferryMetric } from '../metrics';
import { RunbookAlarm, type RunbookAlarmProps } from './runbook-alarm';

export interface VerificationAlarmsProps {
  /** The migration whose verification metrics the alarms read (their `migrationId` dimension). */
  readonly migrationId: string;
  /** Told on ALARM and on OK. */
  readonly topic: sns.ITopic;
  /**
   * Start of the alarm names: `<prefix>-<migration>-<what>`.
   * @default - the stack name (`Ferry-<env>`)
   */
  readonly namePrefix?: string;
  /**
   * `verification.settleMs`: how long a round waits before comparing a differing row again (for the description).
   * @default 5000 (the config's default)
   */
  readonly settleMs?: number;
  /**
   * `verification.maxSlotWalMb`: the WAL at which Ferry drops a capture slot (for the description).
   * @default 4096 (the config's default)
   */
  readonly maxSlotWalMb?: number;
  /**
   * `verification.slotWalAlarmMb`: the capture-wal alarms fire above this many MB.
   * @default - half of `maxSlotWalMb` (the config's default)
   */
  readonly slotWalAlarmMb?: number;
}

/** The config's own defaults (CONFIG_DEFAULTS in lambdas/shared/migration-config.ts), so that the two cannot differ. */
const DEFAULTS = {
  settleMs: CONFIG_DEFAULTS.verification.settleMs,
  maxSlotWalMb: CONFIG_DEFAULTS.verification.maxSlotWalMb,
  slotWalAlarmMb: (maxSlotWalMb: number) => Math.max(1, Math.floor(maxSlotWalMb / 2)),
} as const;

/** Rounds run once a minute; the metrics are standard resolution. */
const PERIOD = Duration.minutes(1);
const MB = 1024 * 1024;

/**
 * What continuous verification has to tell people, as alarms that notify and never roll back (a
 * difference found after cutover means reverse replication diverged: moving the clients back then
 * would lose data, so a person decides):
 * - `verification-differences`: rows proven different between source and target;
 * - `capture-wal-source`, `capture-wal-target`: a capture slot keeps more WAL than
 *   `verification.slotWalAlarmMb` (rounds are not advancing it); at `verification.maxSlotWalMb`
 *   Ferry drops it.
 */
export class VerificationAlarms extends Construct {
  public readonly differencesAlarm: cloudwatch.Alarm;
  public readonly captureWalAlarms: Readonly<Record<'source' | 'target', cloudwatch.Alarm>>;

  constructor(scope: Construct, id: string, props: VerificationAlarmsProps) {
    super(scope, id);
    const { migrationId } = props;
    const settleMs = props.settleMs ?? DEFAULTS.settleMs;
    const maxSlotWalMb = props.maxSlotWalMb ?? DEFAULTS.maxSlotWalMb;
    const slotWalAlarmMb = props.slotWalAlarmMb ?? DEFAULTS.slotWalAlarmMb(maxSlotWalMb);
    if (slotWalAlarmMb >= maxSlotWalMb) {
      throw new Error(`VerificationAlarms: slotWalAlarmMb (${slotWalAlarmMb}) must be below maxSlotWalMb (${maxSlotWalMb}): the alarm warns before Ferry drops a slot`);
    }
    const prefix = props.namePrefix ?? Stack.of(this).stackName;
    const metric = (entry: MetricEntry<'migrationId'>) => ferryMetric(entry, { migrationId }, { statistic: cloudwatch.Stats.MAXIMUM, period: PERIOD });
    const alarm = (constructId: string, what: string, options: Omit<RunbookAlarmProps, 'name' | 'namePrefix' | 'topic' | 'treatMissingData' | 'actionsEnabled'>) =>
      new RunbookAlarm(this, constructId, {
        ...options,
        namePrefix: prefix,
        name: `${migrationId}-${what}`,
        topic: props.topic,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    const rounds = `the verify-changes function's log (/aws/lambda/${prefix}-verify-changes)`;

    this.differencesAlarm = alarm('DifferencesAlarm', 'verification-differences', {
      metric: metric(VERIFICATION_METRIC_ENTRIES.differences),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      means:
        `Rows of migration ${migrationId} differ between source and target although replication caught up and neither side changed them since ` +
        `(compared again after ${settleMs} ms). The cutover refuses to start until they are resolved; Ferry does not roll back for this. ` +
        `The rows are named in the notification and in the 'verification' reports of the checkpoint table. Look for writes made directly on the replica, ` +
        `triggers or defaults firing there, or tables the replication does not carry; fix the rows, and the next round resolves them. Look at: ${rounds}.`,
    });
    const walAlarm = (side: 'source' | 'target') =>
      alarm(`CaptureWal${side === 'source' ? 'Source' : 'Target'}Alarm`, `capture-wal-${side}`, {
        metric: metric(CAPTURE_WAL_METRIC_ENTRIES[side]),
        threshold: slotWalAlarmMb * MB,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        means:
          `The change-capture slot of migration ${migrationId} on the ${side} keeps more than ${slotWalAlarmMb} MB of WAL: ` +
          `verification rounds are not advancing it (failing, or behind under load). At ${maxSlotWalMb} MB Ferry drops the slot to ` +
          `protect the database's disk, and a cutover then needs a new full comparison (migrate with "restart": true). Look at: ${rounds}, ` +
          `the VerificationAgeSeconds metric.`,
      });
    this.captureWalAlarms = { source: walAlarm('source'), target: walAlarm('target') };
  }
}
