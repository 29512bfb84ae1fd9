import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { MigrationConfig } from '../../lambdas/shared/migration-config';
import { CAPTURE_WAL_METRICS, VERIFICATION_METRICS } from '../../lambdas/shared/verification/metrics';
import { FERRY_METRICS_NAMESPACE, ferryMetricDimensions } from './rollback-alarms';

export interface VerificationAlarmsProps {
  readonly migration: MigrationConfig;
  /** Told on ALARM and on OK. */
  readonly topic: sns.ITopic;
  /**
   * Start of the alarm names: `<prefix>-<migration>-<what>`.
   * @default - the stack name (`Ferry-<env>`)
   */
  readonly namePrefix?: string;
}

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
    const { migration } = props;
    const prefix = props.namePrefix ?? Stack.of(this).stackName;
    const notify = new actions.SnsAction(props.topic);
    const metric = (metricName: string) =>
      new cloudwatch.Metric({ namespace: FERRY_METRICS_NAMESPACE, metricName, dimensionsMap: ferryMetricDimensions(migration.id), statistic: cloudwatch.Stats.MAXIMUM, period: PERIOD });
    const alarm = (constructId: string, what: string, options: Omit<cloudwatch.AlarmProps, 'alarmName' | 'treatMissingData' | 'actionsEnabled'>) => {
      const created = new cloudwatch.Alarm(this, constructId, { ...options, alarmName: `${prefix}-${migration.id}-${what}`, treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING });
      created.addAlarmAction(notify);
      created.addOkAction(notify);
      return created;
    };
    const rounds = `the verify-changes function's log (/aws/lambda/${prefix}-verify-changes)`;

    this.differencesAlarm = alarm('DifferencesAlarm', 'verification-differences', {
      metric: metric(VERIFICATION_METRICS.differences),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      alarmDescription:
        `Rows of migration ${migration.id} differ between source and target although replication caught up and neither side changed them since ` +
        `(compared again after ${migration.verification.settleMs} ms). The cutover refuses to start until they are resolved; Ferry does not roll back for this. ` +
        `The rows are named in the notification and in the 'verification' reports of the checkpoint table. Look for writes made directly on the replica, ` +
        `triggers or defaults firing there, or tables the replication does not carry; fix the rows, and the next round resolves them. Look at: ${rounds}.`,
    });
    const walAlarm = (side: 'source' | 'target') =>
      alarm(`CaptureWal${side === 'source' ? 'Source' : 'Target'}Alarm`, `capture-wal-${side}`, {
        metric: metric(CAPTURE_WAL_METRICS[side]),
        threshold: migration.verification.slotWalAlarmMb * MB,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        alarmDescription:
          `The change-capture slot of migration ${migration.id} on the ${side} keeps more than ${migration.verification.slotWalAlarmMb} MB of WAL: ` +
          `verification rounds are not advancing it (failing, or behind under load). At ${migration.verification.maxSlotWalMb} MB Ferry drops the slot to ` +
          `protect the database's disk, and a cutover then needs a new full comparison (migrate with "restart": true). Look at: ${rounds}, ` +
          `the VerificationAgeSeconds metric.`,
      });
    this.captureWalAlarms = { source: walAlarm('source'), target: walAlarm('target') };
  }
}
