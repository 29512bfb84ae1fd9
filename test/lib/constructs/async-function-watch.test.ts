import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { AsyncFunctionWatch } from '../../../lib/constructs/async-function-watch';
import { emptyStack } from '../stack.fixture';

function watched(silentAfter?: Duration) {
  const stack = emptyStack();
  const topic = new sns.Topic(stack, 'Topic');
  const fn = new lambda.Function(stack, 'Monitor', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {}') });
  const watch = new AsyncFunctionWatch(stack, 'Watch', { fn, step: 'replication-monitor', purpose: 'publishes replication health', topic, ...(silentAfter ? { silentAfter } : {}) });
  return { stack, topic, fn, watch, template: Template.fromStack(stack) };
}

describe('AsyncFunctionWatch', () => {
  it('sends the events the function failed on after two retries to a watched dead-letter queue', () => {
    const { stack, watch, template } = watched();

    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: stack.resolve(watch.deadLetterQueue.queueArn) } },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'Test-replication-monitor-dead-letter', Threshold: 0 });
    // Only services deliver to it: no queue may redrive into it (Control Tower CT.SQS.PR.1).
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, RedriveAllowPolicy: { redrivePermission: 'denyAll' } });
  });

  it('alarms on any error in 5 minutes, and tells both the alarm and its end', () => {
    const { stack, topic, template } = watched();

    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'Test-replication-monitor-errors',
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Statistic: 'Sum',
      Period: 300,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      TreatMissingData: 'notBreaching',
      AlarmActions: [stack.resolve(topic.topicArn)],
      OKActions: [stack.resolve(topic.topicArn)],
    });
  });

  it('alarms when a scheduled function has not run at all, counting no data as silence', () => {
    const { template } = watched(Duration.minutes(5));

    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'Test-replication-monitor-silent',
      MetricName: 'Invocations',
      Period: 300,
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      TreatMissingData: 'breaching',
    });
    expect(JSON.stringify(template.findResources('AWS::CloudWatch::Alarm'))).toContain('has not run for 5 minutes');
  });

  it('has no silence alarm for a function that runs only on events', () => {
    const { watch, template } = watched();

    expect(watch.silentAlarm).toBeUndefined();
    expect(Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties.AlarmName)).not.toContain('Test-replication-monitor-silent');
  });
});
