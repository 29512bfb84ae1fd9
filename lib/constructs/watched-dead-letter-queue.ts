import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RunbookAlarm } from './runbook-alarm';

export interface WatchedDeadLetterQueueProps {
  /** The alarm's name after the prefix: the alarm is `<namePrefix>-<alarmName>`. */
  readonly alarmName: string;
  /**
   * Start of the alarm's name.
   * @default - the stack name (`Ferry-<env>`)
   */
  readonly namePrefix?: string;
  /** The alarm's description, given the queue's name (what did not happen, and what to do). */
  readonly describe: (queueName: string) => string;
  /** Who writes to the queue, for the cdk-nag acknowledgement (the queue has no DLQ of its own). */
  readonly deadLetterOf: string;
  /** Notified on ALARM and OK. */
  readonly topic: sns.ITopic;
  /**
   * How long the queue keeps a message: the time the operators have to read it.
   * @default Duration.days(14) (the most SQS allows)
   */
  readonly retentionPeriod?: Duration;
  /**
   * Period of the alarm's metric (the queue's visible messages, maximum).
   * @default Duration.minutes(1)
   */
  readonly alarmPeriod?: Duration;
}

const DEFAULTS = {
  retentionPeriod: Duration.days(14),
  alarmPeriod: Duration.minutes(1),
} as const satisfies Partial<WatchedDeadLetterQueueProps>;

/**
 * A dead-letter queue for a delivery that AWS gave up on (a scheduled drift check, a rollback
 * start, a failed asynchronous invocation), and an alarm on its first message. SQS-managed
 * encryption: the sender (EventBridge, Scheduler, Lambda) needs no key grant, and a message holds
 * only the delivery's input and the service's error.
 *
 * Its children are `DeadLetterQueue` and `DeadLetterAlarm`. Created with the id `Default` (which
 * CDK leaves out of logical ids), they keep the logical ids they had when this was a function
 * creating them directly in the parent; the existing callers do that, one per parent.
 */
export class WatchedDeadLetterQueue extends Construct {
  public readonly queue: sqs.Queue;
  /** The queue holds a message: a delivery did not happen. */
  public readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: WatchedDeadLetterQueueProps) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: props.retentionPeriod ?? DEFAULTS.retentionPeriod,
      // Its senders are services delivering failed events (EventBridge, Scheduler, Lambda), never an
      // SQS redrive: no queue may name it as its dead-letter queue; it takes only failed Lambda,
      // EventBridge and Scheduler deliveries. Control Tower's CT.SQS.PR.1 wants allowAll or byQueue
      // here to recognise a dead-letter queue, which would let other queues send into it: the test
      // suite exempts these queues from that rule, with this reason (test/bin/app.test.ts).
      redriveAllowPolicy: { redrivePermission: sqs.RedrivePermission.DENY_ALL },
    });
    Validations.of(this.queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: `This queue is itself the dead-letter queue of ${props.deadLetterOf}; its DeadLetterAlarm reports every message`,
    });
    this.alarm = new RunbookAlarm(this, 'DeadLetterAlarm', {
      name: props.alarmName,
      namePrefix: props.namePrefix,
      means: props.describe(this.queue.queueName),
      topic: props.topic,
      metric: this.queue.metricApproximateNumberOfMessagesVisible({ period: props.alarmPeriod ?? DEFAULTS.alarmPeriod, statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}
