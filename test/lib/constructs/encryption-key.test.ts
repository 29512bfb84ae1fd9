import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { EncryptionKey } from '../../../lib/constructs/encryption-key';
import { emptyStack } from '../stack.fixture';

describe('EncryptionKey', () => {
  it('lets CloudWatch Logs of its own account and region encrypt log groups with it', () => {
    // GIVEN
    const stack = emptyStack();
    // WHEN
    new EncryptionKey(stack, 'Key', { aliasName: 'ferry-test' });
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'logs.eu-west-1.amazonaws.com' },
            Action: Match.arrayWith(['kms:Encrypt*', 'kms:Decrypt*', 'kms:GenerateDataKey*']),
            Condition: {
              ArnLike: { 'kms:EncryptionContext:aws:logs:arn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:eu-west-1:123456789012:log-group:*']] } },
            },
          }),
        ]),
      },
    });
  });

  it('lets nobody create a grant on it except for an AWS resource or as an AWS service (Control Tower CT.KMS.PR.3)', () => {
    // GIVEN
    const stack = emptyStack();
    // WHEN
    new EncryptionKey(stack, 'Key', { aliasName: 'ferry-test' });
    // THEN the statement Control Tower looks for: Deny kms:CreateGrant to everyone, unless either key is true
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Sid: 'DenyCreateGrantExceptForAwsResources',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 'kms:CreateGrant',
            Resource: '*',
            Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
          },
        ]),
      },
    });
  });

  it('still lets the account administer and use the key through IAM', () => {
    // GIVEN
    const stack = emptyStack();
    // WHEN
    new EncryptionKey(stack, 'Key', { aliasName: 'ferry-test' });
    // THEN the deny above is the only Deny, and the account's own statement is untouched
    const [key] = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key'));
    const statements = key!.Properties.KeyPolicy.Statement as Array<Record<string, unknown>>;
    expect(statements.filter((s) => s.Effect === 'Deny').map((s) => s.Sid)).toEqual(['DenyCreateGrantExceptForAwsResources']);
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::123456789012:root']] } },
      Action: 'kms:*',
      Resource: '*',
    });
  });
});
