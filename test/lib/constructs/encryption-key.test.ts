import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { EncryptionKey } from '../../../lib/constructs/encryption-key';
import { synthesize } from '../stack.fixture';

/** An EncryptionKey `ferry-test` in an empty stack, synthesized. */
const encryptionKey = () => synthesize((stack) => ({ key: new EncryptionKey(stack, 'Key', { aliasName: 'ferry-test' }) }));

describe('EncryptionKey', () => {
  it('lets CloudWatch Logs of its own account and region encrypt log groups with it', () => {
    // GIVEN an empty stack
    // WHEN the key is added
    const { template } = encryptionKey();
    // THEN
    template.hasResourceProperties('AWS::KMS::Key', {
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
    // GIVEN an empty stack
    // WHEN the key is added
    const { template } = encryptionKey();
    // THEN the statement Control Tower looks for: Deny kms:CreateGrant to everyone, unless either key is true
    template.hasResourceProperties('AWS::KMS::Key', {
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
    // GIVEN an empty stack
    // WHEN the key is added
    const { template } = encryptionKey();
    // THEN the deny above is the only Deny, and the account's own statement is untouched
    const [key] = Object.values(template.findResources('AWS::KMS::Key'));
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
