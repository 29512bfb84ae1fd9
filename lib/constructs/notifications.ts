import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface NotificationsProps {
  /** Key that encrypts the topic; this stack's CloudWatch alarms are allowed to use it to publish. */
  readonly encryptionKey: kms.IKey;
  /**
   * Start of the names of the alarms that publish to the topic: only alarms of this account and
   * region whose names start with it may publish (every Ferry alarm is `<stack name>-...`).
   * @default - the stack name followed by `-`
   */
  readonly alarmNamePrefix?: string;
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

const DEFAULTS = { emails: [] } as const satisfies Partial<NotificationsProps>;

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
    for (const email of props.emails ?? DEFAULTS.emails) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    }
    // CloudWatch alarms publish to the topic as the service: with enforceSSL the topic has a
    // resource policy, which replaces SNS's default one, so the service must be allowed there; and
    // the topic is encrypted, so the service must also be allowed to use the key. Both statements
    // are limited to this stack's alarms (aws:SourceArn) of this account (aws:SourceAccount), which
    // CloudWatch's requests carry to SNS and, through SNS, to KMS. AWS's own guidance for these two
    // statements: https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger
    // (topic policy, aws:SourceArn of the alarms) and
    // https://repost.aws/knowledge-center/cloudwatch-configure-alarm-sns (key policy: kms:Decrypt
    // and kms:GenerateDataKey* for cloudwatch.amazonaws.com, narrowed by the aws:Source* keys);
    // https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html ("Enable compatibility
    // between event sources from AWS services and encrypted topics"). Nothing else publishes as a
    // service: the functions publish with their own roles, and no EventBridge rule targets the topic.
    const stack = Stack.of(this);
    const alarms = stack.formatArn({
      service: 'cloudwatch',
      resource: 'alarm',
      resourceName: `${props.alarmNamePrefix ?? `${stack.stackName}-`}*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const fromTheseAlarms = { StringEquals: { 'aws:SourceAccount': stack.account }, ArnLike: { 'aws:SourceArn': alarms } };
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowThisStacksAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: fromTheseAlarms,
      }),
    );
    props.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowThisStacksAlarmsToPublishToTheEncryptedTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: fromTheseAlarms,
      }),
    );
    const extra = props.extraTopicArn ? [sns.Topic.fromTopicArn(this, 'ExtraTopic', props.extraTopicArn)] : [];
    this.topics = [this.topic, ...extra];
  }
}
