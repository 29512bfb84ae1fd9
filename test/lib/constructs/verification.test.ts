import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { VerificationAlarms, type VerificationAlarmsProps } from '../../../lib/constructs/verification-alarms';
import { VerificationSchedule } from '../../../lib/constructs/verification-schedule';
import { CAPTURE_WAL_METRICS, VERIFICATION_METRICS } from '../../../lambdas/shared/verification/metrics';
import { emptyStack, ferryStack, synthesize } from '../stack.fixture';

function verifyFunction(scope: Construct, id = 'Verify') {
  return lambda.Function.fromFunctionArn(scope, id, 'arn:aws:lambda:eu-west-1:123456789012:function:Ferry-test-verify-changes');
}

/** VerificationAlarms for `orders` in an empty stack, with a topic. */
const verificationAlarms = (props: Omit<VerificationAlarmsProps, 'topic' | 'migrationId'>) =>
  synthesize((stack) => ({ alarms: new VerificationAlarms(stack, 'Alarms', { migrationId: 'orders', topic: new sns.Topic(stack, 'Topic'), ...props }) }));

describe('VerificationSchedule', () => {
  it('runs the verify-changes function every minute for every migration, never catching up on missed minutes', () => {
    // GIVEN the verify-changes function and two migrations
    // WHEN
    const { template } = synthesize((stack) => ({
      schedule: new VerificationSchedule(stack, 'Schedule', { verifyFunction: verifyFunction(stack), migrationIds: ['orders', 'catalog'] }),
    }));
    // THEN
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Input: JSON.stringify({ migrationIds: ['orders', 'catalog'] }), RetryPolicy: { MaximumEventAgeInSeconds: 60, MaximumRetryAttempts: 1 } })],
    });
  });

  it('refuses no migrations and an interval finer than EventBridge allows', () => {
    // GIVEN
    const stack = emptyStack();
    // WHEN a schedule has no migrations, or runs every 30 seconds
    // THEN synth fails, saying why
    expect(() => new VerificationSchedule(stack, 'A', { verifyFunction: verifyFunction(stack), migrationIds: [] })).toThrow('VerificationSchedule: no migrations to verify');
    expect(() => new VerificationSchedule(stack, 'B', { verifyFunction: verifyFunction(stack, 'Verify2'), migrationIds: ['orders'], interval: Duration.seconds(30) })).toThrow(
      "VerificationSchedule: interval must be at least 1 minute (EventBridge's finest rate), got 30 seconds",
    );
  });
});

describe('VerificationAlarms', () => {
  it('alarms on proven differences and on each capture slot holding more WAL than allowed, notifying on ALARM and OK', () => {
    // GIVEN slots dropped at 1000 MB, warned about at 300 MB
    // WHEN
    const { template } = verificationAlarms({ maxSlotWalMb: 1000, slotWalAlarmMb: 300 });
    // THEN
    const dimensions = [{ Name: 'migrationId', Value: 'orders' }, { Name: 'service', Value: 'ferry' }];
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'Test-orders-verification-differences',
      MetricName: VERIFICATION_METRICS.differences,
      Namespace: 'Ferry',
      Dimensions: dimensions,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmDescription: Match.stringLikeRegexp('The cutover refuses to start until they are resolved; Ferry does not roll back for this'),
      AlarmActions: [{ Ref: Match.anyValue() }],
      OKActions: [{ Ref: Match.anyValue() }],
    });
    for (const side of ['source', 'target'] as const) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `Test-orders-capture-wal-${side}`,
        MetricName: CAPTURE_WAL_METRICS[side],
        Threshold: 300 * 1024 * 1024,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmDescription: Match.stringLikeRegexp(`on the ${side} keeps more than 300 MB of WAL.*At 1000 MB Ferry drops the slot`),
      });
    }
  });

  it('warns at half of maxSlotWalMb by default, and refuses a warning at or above it', () => {
    // GIVEN slots dropped at 1000 MB and no warning level
    // WHEN
    const { template } = verificationAlarms({ maxSlotWalMb: 1000 });
    // THEN it warns at 500 MB
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'Test-orders-capture-wal-source', Threshold: 500 * 1024 * 1024 });
    // WHEN the warning is at the limit
    // THEN synth fails
    expect(() => verificationAlarms({ maxSlotWalMb: 1000, slotWalAlarmMb: 1000 })).toThrow('VerificationAlarms: slotWalAlarmMb (1000) must be below maxSlotWalMb (1000)');
  });

  it('is not a rollback alarm: the stack never starts a rollback when verification finds a difference', () => {
    // GIVEN the fixture environment
    // WHEN the whole stack is synthesized
    const { template } = ferryStack();
    // THEN the rollback rule names none of the verification alarms
    const rules = JSON.stringify(template.findResources('AWS::Events::Rule'));
    expect(rules).not.toMatch(/verification-differences|capture-wal/);
    expect(Object.keys(template.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: Match.stringLikeRegexp('verification-differences') } }))).toHaveLength(1);
  });
});
