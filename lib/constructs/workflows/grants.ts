import * as iam from 'aws-cdk-lib/aws-iam';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { DmsResource } from '../../../lambdas/shared/replication/dms/resources';
import type { StepNeed } from './steps';

/** What the step functions may touch: the resources behind each `StepNeed`. */
export interface StepResources {
  readonly checkpoints: dynamodb.ITableV2;
  readonly topic: sns.ITopic;
  /** Every database secret of the environment's migrations (source and target). */
  readonly databaseSecretArns: readonly string[];
  /** The deployed DMS replications (none for native-only environments). */
  readonly dms: readonly DmsResource[];
}

/** A statement on `*`, which cdk-nag reports (IAM5), and why it cannot name resources. */
export interface WildcardStatement {
  readonly actions: readonly string[];
  readonly reason: string;
}

/**
 * The DynamoDB calls the checkpoint store makes (lambdas/shared/checkpoints: GetCommand,
 * QueryCommand, PutCommand, UpdateCommand). A test keeps this list and that code in step.
 */
export const CHECKPOINT_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query'] as const;
export const CHECKPOINT_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem'] as const;

/**
 * DynamoDB uses the table's customer-managed key on the caller's behalf: reads need Decrypt,
 * writes also Encrypt and GenerateDataKey (the actions CDK's grantReadData/grantReadWriteData
 * give, spelled out instead of `GenerateDataKey*` / `ReEncrypt*`: the functions never re-key).
 */
const TABLE_KEY_READ_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey'];
const TABLE_KEY_WRITE_ACTIONS = ['kms:Encrypt', 'kms:GenerateDataKey'];

/** Publishing to an encrypted topic: SNS makes a data key with the publisher's permission. */
const TOPIC_KEY_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey'];

/**
 * DMS actions by resource kind. Those on `scoped` accept the task / replication-config ARN
 * (Service Authorization Reference: resource type ReplicationTask* / ReplicationConfig*); the
 * Describe* listings in `unscoped` support no resource-level permission and need `*`.
 */
const DMS_ACTIONS = {
  instance: {
    read: { scoped: ['dms:DescribeTableStatistics'], unscoped: ['dms:DescribeReplicationTasks'] },
    start: ['dms:StartReplicationTask'],
    stop: ['dms:StopReplicationTask'],
    // The lag metrics are dimensioned by the instance's identifier, which only this call returns.
    lag: ['dms:DescribeReplicationInstances'],
  },
  serverless: {
    read: { scoped: ['dms:DescribeReplicationTableStatistics'], unscoped: ['dms:DescribeReplications', 'dms:DescribeReplicationConfigs'] },
    start: ['dms:StartReplication'],
    stop: ['dms:StopReplication'],
    lag: [],
  },
} as const;

/**
 * Grants `role` exactly what `needs` says, on exactly the resources in `resources`. Returns the
 * statements it had to put on `*`, with the reason for each, for the cdk-nag acknowledgement.
 */
export function grantStepNeeds(role: iam.IGrantable, needs: readonly StepNeed[], resources: StepResources): WildcardStatement[] {
  const wildcards: WildcardStatement[] = [];
  const allow = (actions: readonly string[], resourceArns: readonly string[]) => {
    if (actions.length > 0 && resourceArns.length > 0) {
      iam.Grant.addToPrincipal({ grantee: role, actions: [...actions], resourceArns: [...resourceArns] });
    }
  };
  const allowAnywhere = (actions: readonly string[], reason: string) => {
    if (actions.length === 0) return;
    allow(actions, ['*']);
    wildcards.push({ actions, reason });
  };
  const kinds = new Set(resources.dms.map((r) => r.kind));
  const dmsArns = (kind: DmsResource['kind']) => resources.dms.filter((r) => r.kind === kind).flatMap((r) => [r.forwardArn, r.reverseArn]);

  for (const need of new Set(needs)) {
    switch (need) {
      case 'checkpoints-read':
      case 'checkpoints-read-write': {
        const write = need === 'checkpoints-read-write';
        resources.checkpoints.grant(role, ...CHECKPOINT_READ_ACTIONS, ...(write ? CHECKPOINT_WRITE_ACTIONS : []));
        resources.checkpoints.encryptionKey?.grant(role, ...TABLE_KEY_READ_ACTIONS, ...(write ? TABLE_KEY_WRITE_ACTIONS : []));
        break;
      }
      case 'database-secrets':
        allow(['secretsmanager:GetSecretValue'], unique(resources.databaseSecretArns));
        break;
      case 'dms-read':
        for (const kind of kinds) {
          allow(DMS_ACTIONS[kind].read.scoped, dmsArns(kind));
          allowAnywhere(DMS_ACTIONS[kind].read.unscoped, `DMS ${DMS_ACTIONS[kind].read.unscoped.join(', ')} support no resource-level permissions`);
        }
        break;
      case 'dms-start':
        for (const kind of kinds) allow(DMS_ACTIONS[kind].start, dmsArns(kind));
        break;
      case 'dms-stop':
        for (const kind of kinds) allow(DMS_ACTIONS[kind].stop, dmsArns(kind));
        break;
      case 'dms-lag':
        if (kinds.size === 0) break;
        allowAnywhere(['cloudwatch:GetMetricData'], 'cloudwatch:GetMetricData supports no resource-level permissions (it reads the AWS/DMS latency metrics)');
        for (const kind of kinds) {
          allowAnywhere(DMS_ACTIONS[kind].lag, `DMS ${DMS_ACTIONS[kind].lag.join(', ')} supports no resource-level permissions`);
        }
        break;
      case 'notify':
        allow(['sns:Publish'], [resources.topic.topicArn]);
        if (resources.topic.masterKey) resources.topic.masterKey.grant(role, ...TOPIC_KEY_ACTIONS);
        break;
      default:
        throw new Error(`unknown step need '${need satisfies never}'`);
    }
  }
  return wildcards;
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
