import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, it } from 'vitest';
import { EncryptionKey } from '../../../lib/constructs/encryption-key';
import { emptyStack } from '../stack-fixture';

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
});
