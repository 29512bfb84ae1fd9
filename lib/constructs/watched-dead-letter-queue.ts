import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

export interface WatchedDeadLetterQueueProps {
  /** The alarm's name. */
  readonly alarmName: string;
  /** The alarm's description, given the queue's name (what did not happen, and what to do). */
  readonly describe: (queueName: string) => string;
  /** Who writes to the queue, for the cdk-nag acknowledgement (the queue has no DLQ of its own). */
  readonly deadLetterOf: string;
  /** Notified on ALARM and OK. */
  readonly topic: sns.ITopic;
}

/**
 * A dead-letter queue for a start that AWS gave up on (a scheduled drift check, a rollback), and
 * an alarm on its first message. SQS-managed encryption: the sender (EventBridge, Scheduler)
 * needs no key grant, and a message holds only the start's input and the service's error.
 * Created as `DeadLetterQueue` and `DeadLetterAlarm` directly in `scope`.
 */
export function watchedDeadLetterQueue(scope: Construct, props: WatchedDeadLetterQueueProps): { queue: sqs.Queue; alarm: cloudwatch.Alarm } {
  const queue = new sqs.Queue(scope, 'DeadLetterQueue', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    // Its senders are services delivering failed events (EventBridge, Scheduler, Lambda), never an
    // SQS redrive: no queue may name it as its dead-letter queue; it takes only failed Lambda,
    // EventBridge and Scheduler deliveries. Control Tower's CT.SQS.PR.1 wants allowAll or byQueue
    // here to recognise a dead-letter queue, which would let other queues send into it: the test
    // suite exempts these queues from that rule, with this reason (test/bin/app.test.ts).
    redriveAllowPolicy: { redrivePermission: sqs.RedrivePermission.DENY_ALL },
  });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: `This queue is itself the dead-letter queue of ${props.deadLetterOf}; its DeadLetterAlarm reports every message`,
  });
  const alarm = new cloudwatch.Alarm(scope, 'DeadLetterAlarm', {
    alarmName: props.alarmName,
    alarmDescription: props.describe(queue.queueName),
    metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM }),
    threshold: 0,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  const notify = new actions.SnsAction(props.topic);
  alarm.addAlarmAction(notify);
  alarm.addOkAction(notify);
  return { queue, alarm };
}
