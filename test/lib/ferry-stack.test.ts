import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ferryStack } from './stack-fixture';

describe('FerryStack', () => {
  it('encrypts with its own rotating customer-managed key', () => {
    const { template } = ferryStack();
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/ferry-test' });
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      Replicas: [Match.objectLike({ SSESpecification: { KMSMasterKeyId: Match.anyValue() } })],
    });
  });

  it('retains the key and the table, and protects the stack, when the environment retains stateful resources', () => {
    const { stack, template } = ferryStack((env) => (env.retainStatefulResources = true));
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
    template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain' });
    expect(stack.terminationProtection).toBe(true);
  });

  it('lets the stack delete the key and the table when the environment does not retain them', () => {
    const { stack, template } = ferryStack((env) => (env.retainStatefulResources = false));
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
    template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Delete' });
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', { Replicas: [Match.objectLike({ DeletionProtectionEnabled: false })] });
    expect(stack.terminationProtection).toBe(false);
  });

  it('exposes nothing publicly: no resource policy grants access to any principal', () => {
    const { template } = ferryStack();
    for (const type of ['AWS::SNS::TopicPolicy', 'AWS::KMS::Key']) {
      const resources = template.findResources(type);
      for (const resource of Object.values(resources)) {
        const doc = resource.Properties.PolicyDocument ?? resource.Properties.KeyPolicy;
        for (const statement of doc.Statement) {
          if (statement.Effect !== 'Allow') continue;
          const principal = JSON.stringify(statement.Principal);
          if (principal === '"*"' || principal === '{"AWS":"*"}') {
            throw new Error(`${type} allows any principal: ${JSON.stringify(statement)}`);
          }
        }
      }
    }
  });

  it('tags every resource with its environment and outputs the table and topic', () => {
    const { template } = ferryStack();
    template.hasResourceProperties('AWS::SNS::Topic', { Tags: Match.arrayWith([{ Key: 'ferry:environment', Value: 'test' }]) });
    template.hasOutput('CheckpointTableName', {});
    template.hasOutput('NotificationTopicArn', {});
  });
});
