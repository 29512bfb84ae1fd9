import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RunbookAlarm } from './runbook-alarm';
import { WatchedDeadLetterQueue } from './watched-dead-letter-queue';

export interface AsyncFunctionWatchProps {
  /** A function that AWS invokes asynchronously (an EventBridge rule's target). */
  readonly fn: lambda.Function;
  /** Its step name, for the alarm names (`<prefix>-<step>-errors`) and descriptions. */
  readonly step: string;
  /** What the function is for, in a sentence's middle: "releases the lock of executions that ended". */
  readonly purpose: string;
  /** Notified on ALARM and OK. */
  readonly topic: sns.ITopic;
  /**
   * Also alarm when the function was not invoked at all for `silentAfter`: for a function a
   * schedule runs every minute, silence is always wrong (missing data breaches).
   * @default - no silence alarm
   */
  readonly silentAfter?: Duration;
  /**
   * Start of the alarm names.
   * @default - the stack name
   */
  readonly namePrefix?: string;
}

/**
 * An asynchronously invoked function must not fail unheard: AWS retries it twice, and then the
 * event is gone. This gives it an on-failure destination (a watched dead-letter queue: the event
 * and the error are kept 14 days, and the queue's alarm notifies), an alarm on its errors, and,
 * for a scheduled function, an alarm when it has not run at all.
 */
export class AsyncFunctionWatch extends Construct {
  public readonly deadLetterQueue: sqs.Queue;
  public readonly deadLetterAlarm: cloudwatch.Alarm;
  public readonly errorsAlarm: cloudwatch.Alarm;
  public readonly silentAlarm?: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: AsyncFunctionWatchProps) {
    super(scope, id);
    const prefix = props.namePrefix ?? Stack.of(this).stackName;
    const logs = `the function's log group (/aws/lambda/${props.fn.functionName})`;
    // Id `Default`: the queue and its alarm keep the logical ids they had as children of this construct.
    const deadLetter = new WatchedDeadLetterQueue(this, 'Default', {
      namePrefix: prefix,
      alarmName: `${props.step}-dead-letter`,
      describe: (queue) =>
        `Ferry's ${props.step} function, which ${props.purpose}, failed on an event after AWS's retries; ` +
        `the event and its error are in the SQS queue ${queue}. Read ${logs}, fix the cause, then delete the messages.`,
      deadLetterOf: `the ${props.step} function's asynchronous invocations`,
      topic: props.topic,
    });
    this.deadLetterQueue = deadLetter.queue;
    this.deadLetterAlarm = deadLetter.alarm;
    props.fn.configureAsyncInvoke({ onFailure: new destinations.SqsDestination(deadLetter.queue), retryAttempts: 2 });

    this.errorsAlarm = new RunbookAlarm(this, 'ErrorsAlarm', {
      namePrefix: prefix,
      name: `${props.step}-errors`,
      topic: props.topic,
      means:
        `Ferry's ${props.step} function, which ${props.purpose}, failed in the last 5 minutes. ` +
        `AWS retries it; read ${logs} for the error. It notifies only.`,
      metric: props.fn.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    if (props.silentAfter) {
      const minutes = props.silentAfter.toMinutes();
      this.silentAlarm = new RunbookAlarm(this, 'SilentAlarm', {
        namePrefix: prefix,
        name: `${props.step}-silent`,
        topic: props.topic,
        means:
          `Ferry's ${props.step} function, which ${props.purpose}, has not run for ${minutes} minutes although a schedule ` +
          'runs it every minute. Alarms that read its metrics see no data and treat that as not breaching, so they cannot fire. ' +
          `Check that its EventBridge rule is enabled and read ${logs}. It notifies only.`,
        metric: props.fn.metricInvocations({ period: props.silentAfter, statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      });
    }
  }
}
