import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface NotificationsProps {
  /** Key that encrypts the topic; CloudWatch and EventBridge are allowed to use it to publish. */
  readonly encryptionKey: kms.IKey;
  /**
   * Addresses subscribed by email (each must confirm the subscription).
   * @default []
   */
  readonly emails?: readonly string[];
  /**
   * An existing topic that Ferry also publishes to, for example a chat integration.
   * @default - none
   */
  readonly extraTopicArn?: string;
}

/** Where Ferry tells operators what happened and what to do next. */
export class Notifications extends Construct {
  public readonly topic: sns.Topic;
  /** Every topic a notification goes to: Ferry's own first. */
  public readonly topics: readonly sns.ITopic[];

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'Ferry migrations',
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });
    for (const email of props.emails ?? []) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    }
    // Alarms publish to the encrypted topic directly; without these grants their messages are dropped.
    for (const service of ['cloudwatch.amazonaws.com', 'events.amazonaws.com']) {
      props.encryptionKey.addToResourcePolicy(
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal(service)],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': this.topic.stack.account } },
        }),
      );
    }
    const extra = props.extraTopicArn ? [sns.Topic.fromTopicArn(this, 'ExtraTopic', props.extraTopicArn)] : [];
    this.topics = [this.topic, ...extra];
  }
}
