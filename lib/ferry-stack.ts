import { CfnOutput, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from './config';
import { CheckpointTable } from './constructs/checkpoint-table';
import { EncryptionKey } from './constructs/encryption-key';
import { Notifications } from './constructs/notifications';

export interface FerryStackProps extends StackProps {
  /** Environment name from cdk.json (`dev`, `prod`, ...). */
  readonly environmentName: string;
  /** The environment's validated configuration. */
  readonly config: EnvironmentConfig;
}

/** Everything Ferry deploys into one environment. Wiring only: each concern is its own construct. */
export class FerryStack extends Stack {
  public readonly encryptionKey: EncryptionKey;
  public readonly checkpoints: CheckpointTable;
  public readonly notifications: Notifications;

  constructor(scope: Construct, id: string, props: FerryStackProps) {
    const { config, environmentName } = props;
    super(scope, id, {
      ...props,
      env: { account: config.account, region: config.region },
      description: `Ferry: PostgreSQL migrations for the ${environmentName} environment`,
      terminationProtection: config.retainStatefulResources,
    });
    Tags.of(this).add('ferry:environment', environmentName);

    this.encryptionKey = new EncryptionKey(this, 'EncryptionKey', {
      aliasName: `ferry-${environmentName}`,
      retain: config.retainStatefulResources,
    });
    this.checkpoints = new CheckpointTable(this, 'Checkpoints', {
      retain: config.retainStatefulResources,
      encryptionKey: this.encryptionKey.key,
    });
    this.notifications = new Notifications(this, 'Notifications', {
      encryptionKey: this.encryptionKey.key,
      emails: config.notifications.emails,
      extraTopicArn: config.notifications.extraTopicArn,
    });

    new CfnOutput(this, 'CheckpointTableName', { value: this.checkpoints.table.tableName });
    new CfnOutput(this, 'NotificationTopicArn', { value: this.notifications.topic.topicArn });
  }
}
