import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { describe, expect, it } from 'vitest';
import { Notifications } from '../../../lib/constructs/notifications';
import { emptyStack } from '../stack.fixture';

describe('Notifications', () => {
  it('creates a KMS-encrypted topic that refuses unencrypted transport', () => {
    // GIVEN
    const stack = emptyStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    // WHEN
    new Notifications(stack, 'Notifications', { encryptionKey: key });
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('subscribes each configured email address', () => {
    const stack = emptyStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    new Notifications(stack, 'Notifications', { encryptionKey: key, emails: ['a@example.com', 'b@example.com'] });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SNS::Subscription', 2);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'b@example.com' });
  });

  it("lets only this stack's alarms of this account publish: in the topic policy and in the key policy", () => {
    const stack = emptyStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    new Notifications(stack, 'Notifications', { encryptionKey: key });
    const template = Template.fromStack(stack);
    const fromTheseAlarms = {
      StringEquals: { 'aws:SourceAccount': '123456789012' },
      ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:cloudwatch:eu-west-1:123456789012:alarm:${stack.stackName}-*`]] } },
    };

    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish', Resource: { Ref: Match.anyValue() }, Condition: fromTheseAlarms }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Condition: fromTheseAlarms }),
        ]),
      },
    });
    // No service but CloudWatch may use the key for the topic.
    const keyPolicy = JSON.stringify(Object.values(template.findResources('AWS::KMS::Key'))[0]);
    expect(keyPolicy).not.toContain('events.amazonaws.com');
  });

  it('lists an extra topic after its own', () => {
    const stack = emptyStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const arn = 'arn:aws:sns:eu-west-1:123456789012:chatops';
    const notifications = new Notifications(stack, 'Notifications', { encryptionKey: key, extraTopicArn: arn });
    expect(notifications.topics).toHaveLength(2);
    expect(notifications.topics[1]!.topicArn).toBe(arn);
  });
});
