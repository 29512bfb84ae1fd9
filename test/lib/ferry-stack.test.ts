import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ferryStack } from './stack.fixture';

describe('FerryStack', () => {
  it('encrypts with its own rotating customer-managed key', () => {
    // GIVEN the fixture environment
    // WHEN
    const { template } = ferryStack();
    // THEN
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/ferry-test' });
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      Replicas: [Match.objectLike({ SSESpecification: { KMSMasterKeyId: Match.anyValue() } })],
    });
  });

  it('retains the key and the table, and protects the stack, when the environment retains stateful resources', () => {
    // GIVEN an environment that retains stateful resources
    // WHEN
    const { stack, template } = ferryStack((env) => (env.retainStatefulResources = true));
    // THEN
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
    template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain' });
    expect(stack.terminationProtection).toBe(true);
  });

  it('lets the stack delete the key and the table when the environment does not retain them', () => {
    // GIVEN an environment that does not retain stateful resources
    // WHEN
    const { stack, template } = ferryStack((env) => (env.retainStatefulResources = false));
    // THEN
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
    template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Delete' });
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', { Replicas: [Match.objectLike({ DeletionProtectionEnabled: false })] });
    expect(stack.terminationProtection).toBe(false);
  });

  it('exposes nothing publicly: no resource policy grants access to any principal', () => {
    // GIVEN the fixture environment
    // WHEN
    const { template } = ferryStack();
    // THEN no topic or key policy allows everyone
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
    // GIVEN the fixture environment
    // WHEN
    const { template } = ferryStack();
    // THEN
    template.hasResourceProperties('AWS::SNS::Topic', { Tags: Match.arrayWith([{ Key: 'ferry:environment', Value: 'test' }]) });
    template.hasOutput('CheckpointTableName', {});
    template.hasOutput('NotificationTopicArn', {});
  });

  it('creates no DMS resource for a native migration', () => {
    // GIVEN the fixture's only migration, which replicates natively
    // WHEN
    const { stack, template } = ferryStack();
    // THEN
    for (const type of ['AWS::DMS::ReplicationConfig', 'AWS::DMS::ReplicationInstance', 'AWS::DMS::ReplicationTask', 'AWS::DMS::Endpoint', 'AWS::DMS::ReplicationSubnetGroup', 'AWS::EC2::SecurityGroup']) {
      template.resourceCountIs(type, 0);
    }
    expect(stack.dmsReplications).toEqual({});
    expect(Object.keys(template.findOutputs('*')).filter((id) => id.startsWith('Dms'))).toEqual([]);
  });

  it('gives each DMS migration its replication, and outputs its ARNs and the security group to allow into the databases', () => {
    // GIVEN a native, a serverless and an instance migration
    // WHEN
    const { stack, template } = ferryStack((env) => {
      const base = env.migrations[0]!;
      env.migrations.push(
        { ...base, id: 'order-items', replication: { engine: 'dms-serverless' } },
        { ...base, id: 'catalog', replication: { engine: 'dms-instance' } },
      );
    });
    // THEN
    expect(Object.keys(stack.dmsReplications)).toEqual(['order-items', 'catalog']);
    expect(stack.dmsReplications['order-items']!.resource.kind).toBe('serverless');
    expect(stack.dmsReplications.catalog!.resource.kind).toBe('instance');
    template.resourceCountIs('AWS::DMS::ReplicationConfig', 2);
    template.resourceCountIs('AWS::DMS::ReplicationTask', 2);
    template.hasResourceProperties('AWS::DMS::ReplicationConfig', { ReplicationConfigIdentifier: 'ferry-test-order-items-forward' });
    template.hasOutput('DmsOrderItemsForwardArn', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DmsOrderItemsForwardReplication'), 'ReplicationConfigArn'] } });
    template.hasOutput('DmsOrderItemsReverseArn', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DmsOrderItemsReverseReplication'), 'ReplicationConfigArn'] } });
    template.hasOutput('DmsCatalogForwardArn', { Value: { Ref: Match.stringLikeRegexp('^DmsCatalogForwardTask') } });
    template.hasOutput('DmsCatalogReverseArn', { Value: { Ref: Match.stringLikeRegexp('^DmsCatalogReverseTask') } });
    template.hasOutput('DmsCatalogSecurityGroupId', {
      Description: Match.stringLikeRegexp('Allow it inbound \\(TCP 5432\\) in the security groups of the source and target databases'),
      Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DmsCatalogSecurityGroup'), 'GroupId'] },
    });
  });

  it('refuses, at synth time, a table pattern that DMS cannot express', () => {
    // GIVEN a DMS migration excluding a pattern with a literal [
    // WHEN it is synthesized
    // THEN synth fails, naming migration, field and pattern
    expect(() =>
      ferryStack((env) => {
        const migration = env.migrations[0] as any;
        migration.replication = { engine: 'dms-serverless' };
        migration.tables = { include: ['public.*'], exclude: ['public.[tmp]*'] };
      }),
    ).toThrow("migration 'orders': tables.exclude[0]: 'public.[tmp]*' cannot be expressed as a DMS table mapping");
  });
});
