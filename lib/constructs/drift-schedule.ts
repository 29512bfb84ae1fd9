import { ArnFormat, Duration, Stack, TimeZone, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { METRICS } from '../../lambdas/shared/catalog/metrics';
import { CONFIG_DEFAULTS, type MigrationConfig } from '../../lambdas/shared/migration-config';
import { ferryMetric } from '../metrics';
import { RunbookAlarm } from './runbook-alarm';
import { WatchedDeadLetterQueue } from './watched-dead-letter-queue';

export interface DriftScheduleProps {
  /** The migration the checks look at: the schedule's input `{"migrationId": "<id>"}`, and the names. */
  readonly migrationId: string;
  /** The drift workflow (statemachines/drift.asl.json), started with `{"migrationId": "<id>"}`. */
  readonly driftStateMachine: sfn.IStateMachine;
  /** Told when the drift alarm goes to ALARM and back to OK, and when a scheduled check did not start. */
  readonly topic: sns.ITopic;
  /**
   * `drift.schedule`: when checks run, an EventBridge Scheduler expression (`cron(...)`, `rate(...)`, `at(...)`).
   * @default 'cron(0 * * * ? *)' (hourly; the config's default)
   */
  readonly schedule?: string;
  /**
   * `drift.timeZone`: the time zone of `schedule`.
   * @default 'UTC' (the config's default)
   */
  readonly timeZone?: string;
  /**
   * `drift.enabled`: false creates the schedule DISABLED (turning checks on is then a configuration
   * change and a deploy; the alarm stays, for checks started from the console).
   * @default true (the config's default)
   */
  readonly enabled?: boolean;
  /**
   * `drift.data`: what the checks compare besides the schema (for the alarm's description).
   * @default 'none' (the config's default)
   */
  readonly data?: MigrationConfig['drift']['data'];
  /**
   * Encrypts the schedule's input (the only part of a schedule Scheduler encrypts with a
   * customer-managed key). The schedule's role may decrypt with it only for this schedule
   * (encryption context `aws:scheduler:schedule:arn`). Whoever deploys the stack needs
   * kms:DescribeKey, kms:GenerateDataKey and kms:Decrypt on it (the CDK deploy role has them
   * through the key policy's account statement).
   * @default - an AWS owned key
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Start of the schedule's and the alarms' names: `<prefix>-<migration>-drift`.
   * @default - the stack name (`Ferry-<env>`)
   */
  readonly namePrefix?: string;
  /**
   * How long Scheduler keeps trying to start a check (throttling, the state machine being
   * updated) before the start goes to the dead-letter queue. Later than that, the next scheduled
   * check is the better one.
   * @default Duration.hours(1)
   */
  readonly maxEventAge?: Duration;
  /**
   * Attempts to start a check after the first one fails.
   * @default 8
   */
  readonly retryAttempts?: number;
  /**
   * Period of the drift alarm's metric. The alarm keeps its state through periods without a check
   * (missing data is ignored), so this only bounds how long a clean check that follows a drifted
   * one in the same period waits before the alarm goes back to OK.
   * @default Duration.hours(1)
   */
  readonly alarmPeriod?: Duration;
}

/** The workflow a drift schedule starts: statemachines/drift.asl.json. */
export const DRIFT_WORKFLOW = 'drift';

/** The `drift` settings default to the config's own (CONFIG_DEFAULTS in lambdas/shared/migration-config.ts), so that the two cannot differ. */
const DEFAULTS = {
  ...CONFIG_DEFAULTS.drift,
  maxEventAge: Duration.hours(1),
  retryAttempts: 8,
  alarmPeriod: Duration.hours(1),
} as const satisfies Partial<DriftScheduleProps>;

/** The drift findings of one migration, as the drift step publishes them: the worst check of each period. */
export function driftDifferencesMetric(migrationId: string, period: Duration = DEFAULTS.alarmPeriod): cloudwatch.Metric {
  return ferryMetric(METRICS.driftDifferences, { migrationId }, { statistic: cloudwatch.Stats.MAXIMUM, period });
}

/** EventBridge Scheduler's limit on schedule names, and the characters it allows. */
const SCHEDULE_NAME_LIMIT = 64;
const SCHEDULE_NAME = /^[0-9a-zA-Z._-]+$/;

/**
 * A migration's scheduled drift checks: an EventBridge Scheduler schedule
 * `<prefix>-<migration>-drift` that starts the drift workflow with `{"migrationId": "<id>"}` at
 * `drift.schedule` in `drift.timeZone` (no flexible window: checks run when they are due), and
 * the alarm `<prefix>-<migration>-drift` on the findings the checks publish.
 *
 * `drift.enabled: false` keeps the schedule, DISABLED: turning checks on is a configuration
 * change and a deploy, and the alarm stays for checks started from the console.
 *
 * The alarm reads `DriftDifferences` (Maximum > 0, one period). Checks publish only when they run,
 * so missing data keeps the alarm's state: a check that found drift keeps it in ALARM until a later
 * check finds none, however far apart the checks are.
 *
 * Delivery: the schedule's own role (trusted by Scheduler of this account and its default
 * schedule group only) may start exactly the drift state machine; Scheduler retries the start,
 * then puts it in an SQS dead-letter queue, whose alarm tells the operators that a check did
 * not run.
 */
export class DriftSchedule extends Construct {
  /** `<prefix>-<migration>-drift`: the name of the schedule and of the drift alarm. */
  public readonly name: string;
  /** Starts the drift workflow for this migration. */
  public readonly schedule: scheduler.Schedule;
  /**
   * The schedule's execution role: states:StartExecution on the drift state machine, SendMessage
   * to the dead-letter queue, Decrypt of this schedule's input; nothing else.
   */
  public readonly role: iam.Role;
  /** Scheduled checks that Scheduler could not start. */
  public readonly deadLetterQueue: sqs.Queue;
  /** A scheduled check is in the dead-letter queue: it did not run. */
  public readonly deadLetterAlarm: cloudwatch.Alarm;
  /** The last check found drift. */
  public readonly driftAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: DriftScheduleProps) {
    super(scope, id);
    const { migrationId } = props;
    const drift: DriftSettings = {
      schedule: props.schedule ?? DEFAULTS.schedule,
      timeZone: props.timeZone ?? DEFAULTS.timeZone,
      enabled: props.enabled ?? DEFAULTS.enabled,
      data: props.data ?? DEFAULTS.data,
    };
    const stack = Stack.of(this);
    const prefix = props.namePrefix ?? stack.stackName;
    const name = `${prefix}-${migrationId}-drift`;
    this.name = name;
    if (!Token.isUnresolved(name) && (name.length > SCHEDULE_NAME_LIMIT || !SCHEDULE_NAME.test(name))) {
      throw new Error(
        `DriftSchedule: schedule name '${name}' must be at most ${SCHEDULE_NAME_LIMIT} letters, digits, '.', '_' and '-' ` +
          '(EventBridge Scheduler); shorten the environment name or the migration id',
      );
    }
    const workflow = `${prefix}-${DRIFT_WORKFLOW}`;
    const input = { migrationId };

    const scheduleGroupArn = stack.formatArn({ service: 'scheduler', resource: 'schedule-group', resourceName: 'default', arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    // Built from the name, not referenced: the role's policy names it, and the schedule waits for that policy.
    const scheduleArn = stack.formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `default/${name}`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    this.role = new iam.Role(this, 'StartDriftRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': stack.account, 'aws:SourceArn': scheduleGroupArn },
      }),
      description: `Ferry: lets EventBridge Scheduler start the drift checks of migration ${migrationId}`,
    });

    // Id `Default`: the queue and its alarm keep the logical ids they had as children of this construct.
    const deadLetter = new WatchedDeadLetterQueue(this, 'Default', {
      namePrefix: prefix,
      alarmName: `${migrationId}-drift-not-started`,
      describe: (queue) =>
        `A scheduled drift check of migration ${migrationId} was due, but EventBridge Scheduler could not start the drift workflow ${workflow} ` +
        `(schedule ${name}) and gave up: that check did not run. Start one by hand if it matters (Step Functions console, input ` +
        `${JSON.stringify(input)}). The start and Scheduler's error (message attributes ERROR_CODE, ERROR_MESSAGE) are in the SQS queue ` +
        `${queue}; purge it once handled.`,
      deadLetterOf: 'the drift schedule',
      topic: props.topic,
    });
    this.deadLetterQueue = deadLetter.queue;
    this.deadLetterAlarm = deadLetter.alarm;

    const timeZone = TimeZone.of(drift.timeZone);
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      scheduleName: name,
      description: `Ferry: starts the drift workflow ${workflow} for migration ${migrationId}`,
      schedule: scheduler.ScheduleExpression.expression(drift.schedule, timeZone),
      timeWindow: scheduler.TimeWindow.off(),
      enabled: drift.enabled,
      target: new schedulerTargets.StepFunctionsStartExecution(props.driftStateMachine, {
        input: scheduler.ScheduleTargetInput.fromObject(input),
        role: this.role,
        deadLetterQueue: this.deadLetterQueue,
        maxEventAge: props.maxEventAge ?? DEFAULTS.maxEventAge,
        retryAttempts: props.retryAttempts ?? DEFAULTS.retryAttempts,
      }),
    });
    if (props.encryptionKey) {
      // Not the L2's `key`: it would let the role decrypt anything under the stack's key. Here the
      // role may decrypt only this schedule's input.
      (this.schedule.node.defaultChild as scheduler.CfnSchedule).kmsKeyArn = props.encryptionKey.keyArn;
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [props.encryptionKey.keyArn],
          conditions: { StringEquals: { 'kms:EncryptionContext:aws:scheduler:schedule:arn': scheduleArn } },
        }),
      );
    }
    // The first start must not race the role's policy (StartExecution, SendMessage, Decrypt).
    this.schedule.node.addDependency(this.role);

    const period = props.alarmPeriod ?? DEFAULTS.alarmPeriod;
    this.driftAlarm = new RunbookAlarm(this, 'DriftAlarm', {
      namePrefix: prefix,
      name: `${migrationId}-drift`,
      ...driftRunbook(migrationId, drift, workflow, name, timeZone),
      topic: props.topic,
      metric: driftDifferencesMetric(migrationId, period),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      // No check, no datapoint: keep the verdict of the last check.
      treatMissingData: cloudwatch.TreatMissingData.IGNORE,
    });
  }
}

/**
 * What an operator reads in the drift alarm and its notification: what it means, where the
 * report is, how to look again. Only the explanation (`means`) is shortened to fit CloudWatch's limit.
 */
function driftRunbook(migrationId: string, drift: DriftSettings, workflow: string, scheduleName: string, timeZone: TimeZone): { means: string; runbook: string } {
  const rows = drift.data === 'none' ? 'not compared: drift.data is none' : `compared: drift.data is ${drift.data}`;
  const means =
    `The last drift check of migration ${migrationId} found differences: before cutover between the source and the target, after ` +
    'cutover between the target and the schema snapshot taken at cutover. Schema drift (tables, columns, keys, indexes, constraints, ' +
    'sequences, ...) means DDL ran on one side only; data drift means rows missing, extra or changed on the target ' +
    `(rows are ${rows}); a sequence finding means a sequence has used most of its range. ` +
    'The alarm stays in ALARM until a later check finds none.';
  const runbook =
    ` Report: checkpoint table (stack output CheckpointTableName), pk MIGRATION#${migrationId}, sk REPORT#drift#<time>, the newest is ` +
    'the last check. Reproduce: npm run ferry -- drift --source <postgres-url> --target <postgres-url> (after cutover --snapshot <file> ' +
    `instead of --source), or start ${workflow} with {"migrationId":"${migrationId}"}. ` +
    `Schedule ${scheduleName}: ${drift.schedule} ${timeZone.timezoneName}${drift.enabled ? '' : ', DISABLED (drift.enabled false)'}.`;
  return { means, runbook };
}

/** The `drift` settings, defaults applied. */
type DriftSettings = Required<Pick<DriftScheduleProps, 'schedule' | 'timeZone' | 'enabled' | 'data'>>;
