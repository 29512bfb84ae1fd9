import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { describe, expect, it } from 'vitest';
import { CheckpointTable } from '../../../lib/constructs/checkpoint-table';
import { emptyStack } from '../stack.fixture';

describe('CheckpointTable', () => {
  it('keys items by string pk and sk, expires them by the ttl attribute, and bills on demand', () => {
    // GIVEN
    const stack = emptyStack();
    // WHEN
    new CheckpointTable(stack, 'Checkpoints');
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::DynamoDB::GlobalTable', {
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
    const stack = emptyStack();
    new CheckpointTable(stack, 'Checkpoints');
    Template.fromStack(stack).hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      Replicas: [{ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }],
    });
  });

  it('encrypts at rest with the given customer-managed key', () => {
    const stack = emptyStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    new CheckpointTable(stack, 'Checkpoints', { encryptionKey: key });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      Replicas: [{ SSESpecification: { KMSMasterKeyId: { 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as kms.CfnKey), 'Arn'] } } }],
    });
  });

  it('encrypts at rest with the AWS managed key when no key is given', () => {
    const stack = emptyStack();
    new CheckpointTable(stack, 'Checkpoints');
    Template.fromStack(stack).hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
    });
  });

  it('is retained and deletion-protected by default', () => {
    const stack = emptyStack();
    new CheckpointTable(stack, 'Checkpoints');
    const template = Template.fromStack(stack);
    template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', { Replicas: [{ DeletionProtectionEnabled: true }] });
  });

  it('is destroyed with the stack and unprotected when retain is false', () => {
    const stack = emptyStack();
    new CheckpointTable(stack, 'Checkpoints', { retain: false });
    const template = Template.fromStack(stack);
    template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Delete' });
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', { Replicas: [{ DeletionProtectionEnabled: false }] });
  });

  it('exposes the table for grants', () => {
    const stack = emptyStack();
    const checkpoints = new CheckpointTable(stack, 'Checkpoints');
    expect(checkpoints.table.tableName).toBeDefined();
  });
});
