import { Match } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { describe, expect, it } from 'vitest';
import { Notifications, type NotificationsProps } from '../../../lib/constructs/notifications';
import { synthesize } from '../stack.fixture';

/** Notifications in an empty stack, with a key of their own. */
const notifications = (props: Omit<NotificationsProps, 'encryptionKey'> = {}) =>
  synthesize((stack) => ({ notifications: new Notifications(stack, 'Notifications', { encryptionKey: new kms.Key(stack, 'Key', { enableKeyRotation: true }), ...props }) }));

describe('Notifications', () => {
  it('creates a KMS-encrypted topic that refuses unencrypted transport', () => {
    // GIVEN a key
    // WHEN
    const { template } = notifications();
    // THEN
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
    // GIVEN two addresses
    // WHEN
    const { template } = notifications({ emails: ['a@example.com', 'b@example.com'] });
    // THEN
    template.resourceCountIs('AWS::SNS::Subscription', 2);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'b@example.com' });
  });

  it("lets only this stack's alarms of this account publish: in the topic policy and in the key policy", () => {
    // GIVEN no alarm name prefix
    // WHEN
    const { stack, template } = notifications();
    // THEN
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
    // and no service but CloudWatch may use the key for the topic
    const keyPolicy = JSON.stringify(Object.values(template.findResources('AWS::KMS::Key'))[0]);
    expect(keyPolicy).not.toContain('events.amazonaws.com');
  });

  it('lists an extra topic after its own', () => {
    // GIVEN an existing topic
    const arn = 'arn:aws:sns:eu-west-1:123456789012:chatops';
    // WHEN
    const { notifications: created } = notifications({ extraTopicArn: arn });
    // THEN
    expect(created.topics).toHaveLength(2);
    expect(created.topics[1]!.topicArn).toBe(arn);
  });
});
