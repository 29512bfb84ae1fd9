import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { RunbookAlarm } from './runbook-alarm';
import { WatchedDeadLetterQueue } from './watched-dead-letter-queue';
import type { MigrationConfig } from '../../lambdas/shared/migration-config';

export interface RollbackAlarmsProps {
  /** The migration, validated, with `rollback.enabled`; its `rollback` section says what to watch. */
  readonly migration: MigrationConfig;
  /** The rollback workflow, started with `{"migrationId", "reason", "alarmName"}` when an alarm fires. */
  readonly rollbackStateMachine: sfn.IStateMachine;
  /** Told when an alarm created here goes to ALARM and back to OK. */
  readonly topic: sns.ITopic;
  /**
   * Start of the alarm names: `<prefix>-<migration>-<what>`.
   * @default - the stack name (`Ferry-<env>`)
   */
  readonly namePrefix?: string;
  /**
   * How long EventBridge keeps trying to start the rollback (throttling, a state machine being
   * updated) before the event goes to the dead-letter queue. A rollback started much later than
   * its alarm would act on a situation that has moved on; the dead-letter alarm tells the operator.
   * @default Duration.minutes(30)
   */
  readonly maxEventAge?: Duration;
  /**
   * Attempts to start the rollback after the first one fails.
   * @default 8
   */
  readonly retryAttempts?: number;
}

/**
 * Ferry's own metrics, published by the replication-monitor step (lambdas/replication-monitor)
 * with Powertools EMF. Powertools adds its `service` dimension to every metric, so the alarms name
 * it too: a CloudWatch metric is identified by all of its dimensions.
 */
export const FERRY_METRICS_NAMESPACE = 'Ferry';
export const REPLICATION_LAG_METRIC = 'ReplicationLagSeconds';
export const REPLICATION_HEALTHY_METRIC = 'ReplicationHealthy';
export function ferryMetricDimensions(migrationId: string): Record<string, string> {
  return { service: 'ferry', migrationId };
}

/** The monitor publishes once a minute at standard resolution: a shorter period would hold no datapoint. */
const FERRY_METRIC_MIN_PERIOD_SECONDS = 60;

/**
 * What starts a migration's rollback by itself: CloudWatch alarms on replication lag, replication
 * health and the configured metrics (each M of N: `datapointsToAlarm` breaching datapoints among
 * the last `evaluationPeriods`, of `periodSeconds` each), plus the configured existing alarms; and
 * one EventBridge rule that starts the rollback workflow when any of exactly these alarms goes to
 * ALARM. Whether a trigger is acted on is the workflow's decision (its first step looks at the
 * migration's phase); this construct only makes sure it is asked.
 *
 * Missing data never breaches: the monitor publishes nothing for a migration that is not
 * replicating, and an application metric without traffic is no reason to roll back.
 *
 * Delivery: EventBridge retries the start, then puts the event in an SQS dead-letter queue, whose
 * own alarm tells the operators that a rollback that should have started did not.
 */
export class RollbackAlarms extends Construct {
  /** Replication lag of the direction in use above `rollback.maxLagSeconds`. */
  public readonly replicationLagAlarm: cloudwatch.Alarm;
  /** Replication not running while it should (failed, stopped, not set up, or not observable). */
  public readonly replicationFailedAlarm: cloudwatch.Alarm;
  /** One per `rollback.metrics` entry, in order. */
  public readonly metricAlarms: readonly cloudwatch.Alarm[];
  /** Every alarm that starts the rollback: those above, then the existing `rollback.alarmNames`. */
  public readonly alarmArns: readonly string[];
  /** Starts the rollback workflow when one of `alarmArns` goes to ALARM. */
  public readonly rule: events.Rule;
  /** Rollback starts that EventBridge gave up on. */
  public readonly deadLetterQueue: sqs.Queue;
  /** A rollback start is in the dead-letter queue: the rollback did not start. */
  public readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: RollbackAlarmsProps) {
    super(scope, id);
    const { migration } = props;
    const { rollback } = migration;
    if (!rollback.enabled) throw new Error(`RollbackAlarms: migration '${migration.id}' has rollback.enabled false; create no RollbackAlarms for it`);
    const stack = Stack.of(this);
    const prefix = props.namePrefix ?? stack.stackName;
    const workflow = `${prefix}-rollback`;

    const alarm = (constructId: string, what: string, metric: cloudwatch.IMetric, options: AlarmOptions) =>
      new RunbookAlarm(this, constructId, {
        namePrefix: prefix,
        name: `${migration.id}-${what}`,
        means: options.means,
        runbook: runbook(migration.id, workflow, options.lookAt),
        topic: props.topic,
        metric,
        threshold: options.threshold,
        comparisonOperator: options.comparison,
        evaluationPeriods: rollback.evaluationPeriods,
        datapointsToAlarm: rollback.datapointsToAlarm,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });

    const ferryPeriod = Duration.seconds(Math.max(rollback.periodSeconds, FERRY_METRIC_MIN_PERIOD_SECONDS));
    const ferryMetric = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({ namespace: FERRY_METRICS_NAMESPACE, metricName, dimensionsMap: ferryMetricDimensions(migration.id), statistic, period: ferryPeriod });
    const monitorLogs = `the replication-monitor function's log (/aws/lambda/${prefix}-replication-monitor)`;
    const engine = migration.replication.engine === 'native' ? 'the subscription on the receiving database (pg_stat_subscription)' : 'the DMS replication in the DMS console';

    this.replicationLagAlarm = alarm('ReplicationLagAlarm', 'replication-lag', ferryMetric(REPLICATION_LAG_METRIC, cloudwatch.Stats.MAXIMUM), {
      means: `Replication of migration ${migration.id} is more than ${rollback.maxLagSeconds} s behind (source to target before cutover, target to source after).`,
      lookAt: `${engine}, ${monitorLogs}`,
      threshold: rollback.maxLagSeconds,
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    this.replicationFailedAlarm = alarm('ReplicationFailedAlarm', 'replication-failed', ferryMetric(REPLICATION_HEALTHY_METRIC, cloudwatch.Stats.MINIMUM), {
      means: `Replication of migration ${migration.id} is not running while it should: failed, stopped, not set up, or its databases did not answer the monitor.`,
      lookAt: `${monitorLogs} (it says why), ${engine}`,
      threshold: 1,
      comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    });
    this.metricAlarms = rollback.metrics.map((m, i) =>
      alarm(
        `MetricAlarm${i + 1}`,
        `metric-${i + 1}-${m.metricName}`,
        new cloudwatch.Metric({
          namespace: m.namespace,
          metricName: m.metricName,
          dimensionsMap: m.dimensions,
          statistic: m.statistic,
          period: Duration.seconds(rollback.periodSeconds),
        }),
        {
          means: `${m.description} (${m.namespace} ${m.metricName} ${m.statistic} ${COMPARISONS[m.comparison].text} ${m.threshold}, configured in rollback.metrics[${i}].)`,
          lookAt: `the ${m.namespace} ${m.metricName} metric and the application`,
          threshold: m.threshold,
          comparison: COMPARISONS[m.comparison].operator,
        },
      ),
    );
    const existing = rollback.alarmNames.map((name) => stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME }));
    this.alarmArns = [this.replicationLagAlarm, this.replicationFailedAlarm, ...this.metricAlarms].map((a) => a.alarmArn).concat(existing);

    // Id `Default`: the queue and its alarm keep the logical ids they had as children of this construct.
    const deadLetter = new WatchedDeadLetterQueue(this, 'Default', {
      namePrefix: prefix,
      alarmName: `${migration.id}-rollback-not-started`,
      describe: (queue) =>
        `A rollback alarm of migration ${migration.id} fired, but EventBridge could not start the rollback workflow ${workflow} and gave up: ` +
        'THE ROLLBACK DID NOT START. Decide now whether to start it by hand (Step Functions console; input in statemachines/examples/). ' +
        `The event and EventBridge's error are in the SQS queue ${queue}; purge it once handled.`,
      deadLetterOf: 'the rollback rule target',
      topic: props.topic,
    });
    this.deadLetterQueue = deadLetter.queue;
    this.deadLetterAlarm = deadLetter.alarm;

    const alarmName = events.EventField.fromPath('$.detail.alarmName');
    this.rule = new events.Rule(this, 'Rule', {
      description: `Ferry: starts the rollback of migration ${migration.id} when one of its rollback alarms goes to ALARM`,
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        // Exactly these alarms: the dead-letter alarm is not among them.
        resources: [...this.alarmArns],
        detail: { state: { value: ['ALARM'] } },
      },
      targets: [
        new targets.SfnStateMachine(props.rollbackStateMachine, {
          input: events.RuleTargetInput.fromObject({
            migrationId: migration.id,
            reason: `alarm ${alarmName} went to ALARM at ${events.EventField.fromPath('$.time')}`,
            alarmName,
          }),
          // Its own role, trusted by EventBridge of this account only; the target grants it
          // states:StartExecution on the rollback state machine and nothing else.
          role: new iam.Role(this, 'StartRollbackRole', {
            assumedBy: new iam.ServicePrincipal('events.amazonaws.com').withConditions({ StringEquals: { 'aws:SourceAccount': stack.account } }),
            description: `Ferry: lets EventBridge start the rollback of migration ${migration.id}`,
          }),
          deadLetterQueue: this.deadLetterQueue,
          maxEventAge: props.maxEventAge ?? Duration.minutes(30),
          retryAttempts: props.retryAttempts ?? 8,
        }),
      ],
    });
  }
}

interface AlarmOptions {
  /** What the alarm going off means, first in the description. */
  readonly means: string;
  /** Where to look first. */
  readonly lookAt: string;
  readonly threshold: number;
  readonly comparison: cloudwatch.ComparisonOperator;
}

const COMPARISONS: Record<MigrationConfig['rollback']['metrics'][number]['comparison'], { operator: cloudwatch.ComparisonOperator; text: string }> = {
  GreaterThanThreshold: { operator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD, text: '>' },
  GreaterThanOrEqualToThreshold: { operator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, text: '>=' },
  LessThanThreshold: { operator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD, text: '<' },
  LessThanOrEqualToThreshold: { operator: cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD, text: '<=' },
};

/**
 * The alarm description is the runbook an operator reads in the alarm and its notification: what
 * it means (`RunbookAlarm` shortens that part, which holds the configuration, to fit), then this:
 * what happens next, where to look.
 */
function runbook(migrationId: string, workflow: string, lookAt: string): string {
  return (
    ` On ALARM, Ferry starts the rollback workflow ${workflow} for ${migrationId}: before cutover it stops replication and thaws ` +
    'the source; after cutover it freezes the target, drains reverse replication (no target write is lost), points the clients ' +
    'back at the source and thaws it; in other phases it records the trigger only. ' +
    `Look at: ${lookAt}; the ${workflow} executions (Step Functions console).`
  );
}
