import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { isTransientAwsError, withRetry } from './retry';

/** What an operator is told: what happened and what to do next. */
export interface Notification {
  readonly migrationId: string;
  /** Machine-readable, e.g. `phase-changed`, `workflow-failed`. */
  readonly event: string;
  /** One line; SNS limits email subjects to 100 characters. */
  readonly subject: string;
  readonly message: string;
}

/** The Notifier port: SNS in AWS, a list in memory locally. */
export interface Notifier {
  notify(notification: Notification): Promise<void>;
}

const SUBJECT_LIMIT = 100;

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
