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
import { METRICS } from '../../lambdas/shared/catalog/metrics';
import { RollbackSchema, type MigrationConfig, type RollbackConfig } from '../../lambdas/shared/migration-config';
import { ferryMetric } from '../metrics';

export interface RollbackAlarmsProps {
  /** The migration whose rollback these alarms start (names, descriptions, the workflow's input). */
  readonly migrationId: string;
  /** The rollback workflow, started with `{"migrationId", "reason", "alarmName"}` when an alarm fires. */
  readonly rollbackStateMachine: sfn.IStateMachine;
  /** Told when an alarm created here goes to ALARM and back to OK. */
  readonly topic: sns.ITopic;
  /**
   * `replication.engine`: where the descriptions tell an operator to look when replication lags or fails.
   * @default 'native'
   */
  readonly engine?: ReplicationEngine;
  /**
   * `rollback.maxLagSeconds`: replication lag (of the direction in use) above this rolls back.
   * @default 300 (the config's default)
   */
  readonly maxLagSeconds?: number;
  /**
   * `rollback.periodSeconds`: the length of one datapoint. Ferry's own metrics are read in periods
   * of at least a minute (the monitor publishes once a minute).
   * @default 60 (the config's default)
   */
  readonly periodSeconds?: number;
  /**
   * `rollback.evaluationPeriods`: N, the datapoints each alarm looks at.
   * @default 5 (the config's default)
   */
  readonly evaluationPeriods?: number;
  /**
   * `rollback.datapointsToAlarm`: M, the breaching datapoints among the last N that fire an alarm.
   * @default 3 (the config's default)
   */
  readonly datapointsToAlarm?: number;
  /**
   * `rollback.metrics`: the application's metrics to alarm on, with the same M of N.
   * @default [] (the config's default)
   */
  readonly metrics?: readonly RollbackMetric[];
  /**
   * `rollback.alarmNames`: existing alarms (same account and region) that also start the rollback.
   * @default [] (the config's default)
   */
  readonly alarmNames?: readonly string[];
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

/** A metric of the application that rolls the migration back (an entry of `rollback.metrics`). */
export type RollbackMetric = RollbackConfig['metrics'][number];
/** The replication engines, for the descriptions. */
export type ReplicationEngine = MigrationConfig['replication']['engine'];

/** The `rollback` settings default to the config's own (RollbackSchema in lambdas/shared/migration-config.ts), so that the two cannot differ. */
const CONFIG = RollbackSchema.parse({});
const DEFAULTS = {
  engine: 'native',
  maxLagSeconds: CONFIG.maxLagSeconds,
  periodSeconds: CONFIG.periodSeconds,
  evaluationPeriods: CONFIG.evaluationPeriods,
  datapointsToAlarm: CONFIG.datapointsToAlarm,
  metrics: CONFIG.metrics,
  alarmNames: CONFIG.alarmNames,
  maxEventAge: Duration.minutes(30),
  retryAttempts: 8,
} as const satisfies Partial<RollbackAlarmsProps>;

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
    const { migrationId } = props;
    const settings = {
      maxLagSeconds: props.maxLagSeconds ?? DEFAULTS.maxLagSeconds,
      periodSeconds: props.periodSeconds ?? DEFAULTS.periodSeconds,
      evaluationPeriods: props.evaluationPeriods ?? DEFAULTS.evaluationPeriods,
      datapointsToAlarm: props.datapointsToAlarm ?? DEFAULTS.datapointsToAlarm,
    };
    if (settings.datapointsToAlarm > settings.evaluationPeriods) {
      throw new Error(`RollbackAlarms: datapointsToAlarm (${settings.datapointsToAlarm}) must not exceed evaluationPeriods (${settings.evaluationPeriods})`);
    }
    const stack = Stack.of(this);
    const prefix = props.namePrefix ?? stack.stackName;
    const workflow = `${prefix}-rollback`;

    const alarm = (constructId: string, what: string, metric: cloudwatch.IMetric, options: AlarmOptions) =>
      new RunbookAlarm(this, constructId, {
        namePrefix: prefix,
        name: `${migrationId}-${what}`,
        means: options.means,
        runbook: runbook(migrationId, workflow, options.lookAt),
        topic: props.topic,
        metric,
        threshold: options.threshold,
        comparisonOperator: options.comparison,
        evaluationPeriods: settings.evaluationPeriods,
        datapointsToAlarm: settings.datapointsToAlarm,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });

    const ferryPeriod = Duration.seconds(Math.max(settings.periodSeconds, FERRY_METRIC_MIN_PERIOD_SECONDS));
    const monitorLogs = `the replication-monitor function's log (/aws/lambda/${prefix}-replication-monitor)`;
    const engine = (props.engine ?? DEFAULTS.engine) === 'native' ? 'the subscription on the receiving database (pg_stat_subscription)' : 'the DMS replication in the DMS console';

    const lag = ferryMetric(METRICS.replicationLagSeconds, { migrationId }, { statistic: cloudwatch.Stats.MAXIMUM, period: ferryPeriod });
    this.replicationLagAlarm = alarm('ReplicationLagAlarm', 'replication-lag', lag, {
      means: `Replication of migration ${migrationId} is more than ${settings.maxLagSeconds} s behind (source to target before cutover, target to source after).`,
      lookAt: `${engine}, ${monitorLogs}`,
      threshold: settings.maxLagSeconds,
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    const healthy = ferryMetric(METRICS.replicationHealthy, { migrationId }, { statistic: cloudwatch.Stats.MINIMUM, period: ferryPeriod });
    this.replicationFailedAlarm = alarm('ReplicationFailedAlarm', 'replication-failed', healthy, {
      means: `Replication of migration ${migrationId} is not running while it should: failed, stopped, not set up, or its databases did not answer the monitor.`,
      lookAt: `${monitorLogs} (it says why), ${engine}`,
      threshold: 1,
      comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    });
    this.metricAlarms = (props.metrics ?? DEFAULTS.metrics).map((m, i) =>
      alarm(
        `MetricAlarm${i + 1}`,
        `metric-${i + 1}-${m.metricName}`,
        // The application's own metric, not Ferry's: its namespace and name come from the configuration.
        new cloudwatch.Metric({
          namespace: m.namespace,
          metricName: m.metricName,
          dimensionsMap: m.dimensions,
          statistic: m.statistic,
          period: Duration.seconds(settings.periodSeconds),
        }),
        {
          means: `${m.description} (${m.namespace} ${m.metricName} ${m.statistic} ${COMPARISONS[m.comparison].text} ${m.threshold}, configured in rollback.metrics[${i}].)`,
          lookAt: `the ${m.namespace} ${m.metricName} metric and the application`,
          threshold: m.threshold,
          comparison: COMPARISONS[m.comparison].operator,
        },
      ),
    );
    const existing = (props.alarmNames ?? DEFAULTS.alarmNames).map((name) => stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME }));
    this.alarmArns = [this.replicationLagAlarm, this.replicationFailedAlarm, ...this.metricAlarms].map((a) => a.alarmArn).concat(existing);

    // Id `Default`: the queue and its alarm keep the logical ids they had as children of this construct.
    const deadLetter = new WatchedDeadLetterQueue(this, 'Default', {
      namePrefix: prefix,
      alarmName: `${migrationId}-rollback-not-started`,
      describe: (queue) =>
        `A rollback alarm of migration ${migrationId} fired, but EventBridge could not start the rollback workflow ${workflow} and gave up: ` +
        'THE ROLLBACK DID NOT START. Decide now whether to start it by hand (Step Functions console; input in statemachines/examples/). ' +
        `The event and EventBridge's error are in the SQS queue ${queue}; purge it once handled.`,
      deadLetterOf: 'the rollback rule target',
      topic: props.topic,
    });
    this.deadLetterQueue = deadLetter.queue;
    this.deadLetterAlarm = deadLetter.alarm;

    const alarmName = events.EventField.fromPath('$.detail.alarmName');
    this.rule = new events.Rule(this, 'Rule', {
      description: `Ferry: starts the rollback of migration ${migrationId} when one of its rollback alarms goes to ALARM`,
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
            migrationId: migrationId,
            reason: `alarm ${alarmName} went to ALARM at ${events.EventField.fromPath('$.time')}`,
            alarmName,
          }),
          // Its own role, trusted by EventBridge of this account only; the target grants it
          // states:StartExecution on the rollback state machine and nothing else.
          role: new iam.Role(this, 'StartRollbackRole', {
            assumedBy: new iam.ServicePrincipal('events.amazonaws.com').withConditions({ StringEquals: { 'aws:SourceAccount': stack.account } }),
            description: `Ferry: lets EventBridge start the rollback of migration ${migrationId}`,
          }),
          deadLetterQueue: this.deadLetterQueue,
          maxEventAge: props.maxEventAge ?? DEFAULTS.maxEventAge,
          retryAttempts: props.retryAttempts ?? DEFAULTS.retryAttempts,
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

const COMPARISONS: Record<RollbackMetric['comparison'], { operator: cloudwatch.ComparisonOperator; text: string }> = {
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
