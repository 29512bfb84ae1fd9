import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { isTransientAwsError, withRetry } from './retry';

/** What an operator is told: what happened and what to do next. */
export interface Notification {
  readonly migrationId: string;
  /** Machine-readable, e.g. `phase-changed`, `workflow-failed`. */
  readonly event: string;
  /** One line; SNS wants email subjects shorter than 100 characters (longer ones are cut). */
  readonly subject: string;
  readonly message: string;
}

/** The Notifier port: SNS in AWS, a list in memory locally. */
export interface Notifier {
  notify(notification: Notification): Promise<void>;
}

/**
 * SNS wants a subject "less than 100 characters long" (botocore's model of Publish): at most 99. A
 * limit of the service, not a setting.
 */
const SUBJECT_LIMIT = 99;

/** Publishes to the environment's SNS topic; `event` and `migrationId` become message attributes for filtering. */
export function snsNotifier(client: SNSClient, topicArn: string): Notifier {
  return {
    async notify(n) {
      const subject = n.subject.length > SUBJECT_LIMIT ? `${n.subject.slice(0, SUBJECT_LIMIT - 3)}...` : n.subject;
      await withRetry(
        () =>
          client.send(
            new PublishCommand({
              TopicArn: topicArn,
              Subject: subject.replace(/[\r\n]+/g, ' '),
              Message: n.message,
              MessageAttributes: {
                event: { DataType: 'String', StringValue: n.event },
                migrationId: { DataType: 'String', StringValue: n.migrationId },
              },
            }),
          ),
        { isRetryable: isTransientAwsError },
      );
    },
  };
}

export class MemoryNotifier implements Notifier {
  readonly sent: Notification[] = [];

  async notify(n: Notification): Promise<void> {
    this.sent.push(n);
  }
}
