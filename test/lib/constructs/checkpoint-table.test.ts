import * as kms from 'aws-cdk-lib/aws-kms';
import { describe, expect, it } from 'vitest';
import { CheckpointTable, type CheckpointTableProps } from '../../../lib/constructs/checkpoint-table';
import { synthesize } from '../stack.fixture';

/** A CheckpointTable in an empty stack. */
const checkpointTable = (props?: CheckpointTableProps) => synthesize((stack) => ({ checkpoints: new CheckpointTable(stack, 'Checkpoints', props) }));

describe('CheckpointTable', () => {
  it('keys items by string pk and sk, expires them by the ttl attribute, and bills on demand', () => {
    // GIVEN no settings
    // WHEN
    const { template } = checkpointTable();
    // THEN
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
    });
  });

  it('turns on point-in-time recovery', () => {
    // GIVEN no settings
    // WHEN
    const { template } = checkpointTable();
    // THEN
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      Replicas: [{ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }],
    });
  });

  it('encrypts at rest with the given customer-managed key', () => {
    // GIVEN a customer-managed key
    // WHEN
    const { stack, template, key } = synthesize((s) => {
      const encryptionKey = new kms.Key(s, 'Key', { enableKeyRotation: true });
      new CheckpointTable(s, 'Checkpoints', { encryptionKey });
      return { key: encryptionKey };
    });
    // THEN
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      Replicas: [{ SSESpecification: { KMSMasterKeyId: { 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as kms.CfnKey), 'Arn'] } } }],
    });
  });

  it('encrypts at rest with the AWS managed key when no key is given', () => {
    // GIVEN no key
    // WHEN
    const { template } = checkpointTable();
    // THEN
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
    });
  });

  it('is retained and deletion-protected by default', () => {
    // GIVEN no retain setting
    // WHEN
    const { template } = checkpointTable();
    // THEN
    template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', { Replicas: [{ DeletionProtectionEnabled: true }] });
  });

  it('is destroyed with the stack and unprotected when retain is false', () => {
    // GIVEN retain: false
    // WHEN
    const { template } = checkpointTable({ retain: false });
    // THEN
    template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Delete' });
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', { Replicas: [{ DeletionProtectionEnabled: false }] });
  });

  it('exposes the table for grants', () => {
    // GIVEN no settings
    // WHEN
    const { checkpoints } = checkpointTable();
    // THEN
    expect(checkpoints.table.tableName).toBeDefined();
  });
});
