import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ReplicationMonitor } from '../../../lib/constructs/replication-monitor';
import {
  FERRY_METRICS_NAMESPACE,
  REPLICATION_HEALTHY_METRIC,
  REPLICATION_LAG_METRIC,
  RollbackAlarms,
  ferryMetricDimensions,
  type RollbackAlarmsProps,
} from '../../../lib/constructs/rollback-alarms';
import { STATEMACHINES_DIR } from '../../../lib/constructs/workflows/steps';
import { replicationMonitorStep } from '../../../lambdas/replication-monitor/step';
import { MigrationSchema, type MigrationConfig, type MigrationConfigInput } from '../../../lambdas/shared/migration-config';
import { RollbackInputSchema } from '../../../lambdas/validate-input/switch-workflows';
import { emfMetrics } from '../../../lambdas/shared/observability';
import type { StepRuntime } from '../../../lambdas/shared/runtime';
import { ScriptedEngine } from '../../helpers/scripted-engine';
import { validEnvironment } from '../config.fixture';
import { emptyStack, ferryStack } from '../stack.fixture';

type Json = any;

const ROLLBACK = {
  periodSeconds: 120,
  evaluationPeriods: 5,
  datapointsToAlarm: 3,
  maxLagSeconds: 90,
  alarmNames: ['orders-api-5xx', 'orders-api-latency'],
  metrics: [
    {
      namespace: 'AWS/ApplicationELB',
      metricName: 'HTTPCode_Target_5XX_Count',
      dimensions: { LoadBalancer: 'app/orders/0123456789abcdef' },
      statistic: 'Sum',
      threshold: 50,
      description: 'The orders API answers with server errors.',
    },
    {
      namespace: 'Orders',
      metricName: 'CheckoutLatency',
      statistic: 'p99',
      threshold: 2000,
      comparison: 'GreaterThanOrEqualToThreshold',
      description: 'Checkout is slow for the slowest 1% of customers.',
    },
  ],
} as const;

function migrationConfig(rollback: Record<string, unknown> = ROLLBACK, id = 'orders'): MigrationConfig {
  const base = validEnvironment().migrations[0] as MigrationConfigInput;
  return MigrationSchema.parse({ ...base, id, rollback });
}

/** RollbackAlarms in an empty stack, with a topic and a stand-in rollback state machine. */
function standalone(props: Partial<RollbackAlarmsProps> = {}) {
  const stack = emptyStack();
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const topic = new sns.Topic(stack, 'Topic', { masterKey: key, enforceSSL: true });
  const rollbackStateMachine = new sfn.StateMachine(stack, 'Rollback', {
    stateMachineName: 'Test-rollback',
    definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Roll back')),
  });
  const alarms = new RollbackAlarms(stack, 'RollbackAlarms', { migration: migrationConfig(), rollbackStateMachine, topic, namePrefix: 'Ferry-test', ...props });
  const template = Template.fromStack(stack);
  const ref = (value: unknown) => stack.resolve(value);
  return { stack, alarms, topic, rollbackStateMachine, template, ref };
}

function alarmNamed(template: Template, name: string): Json {
  const found = Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: name } }));
  expect(found, name).toHaveLength(1);
  return found[0]!.Properties;
}

const dimensionsOf = (map: Record<string, string>) => Object.entries(map).map(([Name, Value]) => ({ Name, Value }));

describe('RollbackAlarms: the alarms', () => {
  it('alarms on replication lag above maxLagSeconds, M of N, notifying the topic on ALARM and OK', () => {
    // GIVEN a migration that rolls back past 90 s of lag, 3 of 5 datapoints of 2 minutes
    const { template, topic, ref } = standalone();
    // THEN
    const lag = alarmNamed(template, 'Ferry-test-orders-replication-lag');
    expect(lag).toMatchObject({
      Namespace: 'Ferry',
      MetricName: 'ReplicationLagSeconds',
      Dimensions: expect.arrayContaining(dimensionsOf({ service: 'ferry', migrationId: 'orders' })),
      Statistic: 'Maximum',
      Period: 120,
      Threshold: 90,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 5,
      DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching',
      AlarmActions: [ref(topic.topicArn)],
      OKActions: [ref(topic.topicArn)],
    });
    expect(lag.Dimensions).toHaveLength(2);
    // and its description is a runbook: what it means, what the rollback does, where to look
    expect(lag.AlarmDescription).toMatch(/^Replication of migration orders is more than 90 s behind/);
    expect(lag.AlarmDescription).toMatch(/starts the rollback workflow Ferry-test-rollback for orders: before cutover it stops replication/);
    expect(lag.AlarmDescription).toMatch(/Look at: the subscription on the receiving database \(pg_stat_subscription\), the replication-monitor function's log \(\/aws\/lambda\/Ferry-test-replication-monitor\)/);
  });

  it('alarms when replication is not healthy: the minimum of ReplicationHealthy below 1', () => {
    const { template, topic, ref } = standalone();
    const failed = alarmNamed(template, 'Ferry-test-orders-replication-failed');
    expect(failed).toMatchObject({
      Namespace: 'Ferry',
      MetricName: 'ReplicationHealthy',
      Statistic: 'Minimum',
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 5,
      DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching',
      AlarmActions: [ref(topic.topicArn)],
      OKActions: [ref(topic.topicArn)],
    });
    expect(failed.Dimensions).toEqual(expect.arrayContaining(dimensionsOf({ service: 'ferry', migrationId: 'orders' })));
    expect(failed.AlarmDescription).toMatch(/^Replication of migration orders is not running while it should/);
  });

  it('reads Ferry metrics in periods of at least a minute: the monitor publishes once a minute', () => {
    const { template } = standalone({ migration: migrationConfig({ ...ROLLBACK, periodSeconds: 10 }) });
    expect(alarmNamed(template, 'Ferry-test-orders-replication-lag').Period).toBe(60);
    // while the application's metrics keep the configured period (they may be high-resolution)
    expect(alarmNamed(template, 'Ferry-test-orders-metric-1-HTTPCode_Target_5XX_Count').Period).toBe(10);
  });

  it('alarms on each configured metric with its statistic, threshold, comparison and description', () => {
    const { template, topic, ref } = standalone();
    const errors = alarmNamed(template, 'Ferry-test-orders-metric-1-HTTPCode_Target_5XX_Count');
    expect(errors).toMatchObject({
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'HTTPCode_Target_5XX_Count',
      Dimensions: [{ Name: 'LoadBalancer', Value: 'app/orders/0123456789abcdef' }],
      Statistic: 'Sum',
      Period: 120,
      Threshold: 50,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 5,
      DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching',
      AlarmActions: [ref(topic.topicArn)],
      OKActions: [ref(topic.topicArn)],
    });
    expect(errors.AlarmDescription).toMatch(/^The orders API answers with server errors\. \(AWS\/ApplicationELB HTTPCode_Target_5XX_Count Sum > 50, configured in rollback\.metrics\[0\]\.\) On ALARM/);
    // a percentile is an extended statistic
    const latency = alarmNamed(template, 'Ferry-test-orders-metric-2-CheckoutLatency');
    expect(latency).toMatchObject({ Namespace: 'Orders', MetricName: 'CheckoutLatency', ExtendedStatistic: 'p99', Threshold: 2000, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    expect(latency.Statistic).toBeUndefined();
    expect(latency.Dimensions).toBeUndefined();
  });

  it('creates no alarm for the existing alarms it is given by name', () => {
    const { template } = standalone();
    // lag, failed, two metrics, and the dead-letter alarm
    template.resourceCountIs('AWS::CloudWatch::Alarm', 5);
    for (const name of ROLLBACK.alarmNames) expect(template.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: name } })).toEqual({});
  });

  it('keeps a long configured description within CloudWatch’s 1024 characters, the runbook whole', () => {
    const long = { ...ROLLBACK, metrics: [{ ...ROLLBACK.metrics[0], description: 'x'.repeat(500) }] };
    const { template } = standalone({ migration: migrationConfig(long) });
    const description: string = alarmNamed(template, 'Ferry-test-orders-metric-1-HTTPCode_Target_5XX_Count').AlarmDescription;
    expect(description.length).toBeLessThanOrEqual(1024);
    expect(description).toMatch(/Look at: the AWS\/ApplicationELB HTTPCode_Target_5XX_Count metric and the application; the Ferry-test-rollback executions \(Step Functions console\)\.$/);
  });

  it('names its alarms after the stack by default', () => {
    // GIVEN no name prefix
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Ferry-dev', { env: { account: '123456789012', region: 'eu-west-1' } });
    const machine = new sfn.StateMachine(stack, 'Rollback', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Pass')) });
    new RollbackAlarms(stack, 'Alarms', { migration: migrationConfig({}), rollbackStateMachine: machine, topic: new sns.Topic(stack, 'Topic') });
    // THEN
    alarmNamed(Template.fromStack(stack), 'Ferry-dev-orders-replication-lag');
  });

  it('refuses a migration whose rollback is disabled', () => {
    expect(() => standalone({ migration: migrationConfig({ enabled: false }) })).toThrow("RollbackAlarms: migration 'orders' has rollback.enabled false");
  });
});

describe('RollbackAlarms: the rule that starts the rollback', () => {
  it('matches exactly the state changes to ALARM of these alarms, created and named', () => {
    // GIVEN
    const { template, alarms, ref } = standalone();
    const created = [alarms.replicationLagAlarm, alarms.replicationFailedAlarm, ...alarms.metricAlarms].map((a) => ref(a.alarmArn));
    const named = ROLLBACK.alarmNames.map((name) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:cloudwatch:eu-west-1:123456789012:alarm:${name}`]],
    }));
    // THEN
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        resources: [...created, ...named],
        detail: { state: { value: ['ALARM'] } },
      },
      State: 'ENABLED',
    });
    expect(created).toHaveLength(4);
    expect(alarms.alarmArns).toHaveLength(6);
    // and not the dead-letter alarm, which would otherwise start a rollback about itself
    expect(JSON.stringify(template.findResources('AWS::Events::Rule'))).not.toContain(JSON.stringify(ref(alarms.deadLetterAlarm.alarmArn)));
  });

  it('starts the rollback state machine with the migration id, the alarm name and a reason', () => {
    // GIVEN
    const { template, rollbackStateMachine, ref } = standalone();
    const target = ruleTarget(template);
    // THEN
    expect(target.Arn).toEqual(ref(rollbackStateMachine.stateMachineArn));
    expect(target.InputTransformer).toEqual({
      InputPathsMap: { 'detail-alarmName': '$.detail.alarmName', time: '$.time' },
      InputTemplate: '{"migrationId":"orders","reason":"alarm <detail-alarmName> went to ALARM at <time>","alarmName":<detail-alarmName>}',
    });
    // WHEN EventBridge applies it to an alarm state change
    const input = transform(target.InputTransformer, {
      time: '2030-01-01T12:00:00Z',
      detail: { alarmName: 'Ferry-test-orders-replication-lag', state: { value: 'ALARM' } },
    });
    // THEN the workflow gets the console input of a rollback, which its first step accepts
    expect(input).toEqual({
      migrationId: 'orders',
      reason: 'alarm Ferry-test-orders-replication-lag went to ALARM at 2030-01-01T12:00:00Z',
      alarmName: 'Ferry-test-orders-replication-lag',
    });
    expect(RollbackInputSchema.safeParse(input).success).toBe(true);
  });

  it('starts it with a role that may start exactly that state machine, trusted by EventBridge of this account', () => {
    const { template, rollbackStateMachine, ref } = standalone();
    const roleId = ruleTarget(template).RoleArn['Fn::GetAtt'][0];
    const role = template.toJSON().Resources[roleId].Properties;
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
      },
    ]);
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(statements).toEqual([{ Action: 'states:StartExecution', Effect: 'Allow', Resource: ref(rollbackStateMachine.stateMachineArn) }]);
  });

  it('retries the start, then keeps the event in an encrypted, TLS-only dead-letter queue that alarms', () => {
    // GIVEN
    const { template, alarms, topic, ref } = standalone();
    const target = ruleTarget(template);
    // THEN
    expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 1800 });
    expect(target.DeadLetterConfig).toEqual({ Arn: ref(alarms.deadLetterQueue.queueArn) });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Action: 'sqs:SendMessage', Principal: { Service: 'events.amazonaws.com' } }),
        ]),
      },
    });
    expect(alarmNamed(template, 'Ferry-test-orders-rollback-not-started')).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: ref(alarms.deadLetterQueue.queueName) }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      AlarmActions: [ref(topic.topicArn)],
      OKActions: [ref(topic.topicArn)],
    });
  });

  it('takes the retry policy it is given', () => {
    const { template } = standalone({ retryAttempts: 2, maxEventAge: Duration.minutes(5) });
    expect(ruleTarget(template).RetryPolicy).toEqual({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 300 });
  });

  it('brings no cdk-nag AwsSolutions finding', () => {
    const { stack } = standalone();
    const findings = new AwsSolutionsChecks()
      .validateScope(stack)
      .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath ?? r.resourceLogicalId}`))
      .filter((finding) => finding.includes('/RollbackAlarms/'));
    expect(findings).toEqual([]);
  });
});

describe('RollbackAlarms and the replication monitor agree on the metrics', () => {
  afterEach(() => vi.restoreAllMocks());

  it('alarms on the very metric, dimensions and all, that the monitor publishes through Powertools', async () => {
    // GIVEN the monitor step publishing with the Lambda metrics adapter (EMF on stdout)
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const migration = migrationConfig();
    const runtime = {
      store: { getState: async () => ({ phase: 'ready' }) },
      metrics: emfMetrics,
      migration: () => migration,
      openDatabases: async () => ({ close: async () => undefined }),
      engine: async () => new ScriptedEngine({ status: { state: 'cdc', tables: [] }, lag: { seconds: 3 } }),
    } as unknown as StepRuntime;
    // WHEN
    await replicationMonitorStep({ migrationIds: ['orders'] }, runtime);
    vi.restoreAllMocks();
    // THEN each published metric is what an alarm reads
    const published = lines.filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l) as Json);
    const identities = published.map((emf) => {
      const { Namespace, Dimensions, Metrics } = emf._aws.CloudWatchMetrics[0];
      return { namespace: Namespace, name: Metrics[0].Name, dimensions: Object.fromEntries(Dimensions[0].map((d: string) => [d, emf[d]])) };
    });
    expect(identities).toEqual([
      { namespace: FERRY_METRICS_NAMESPACE, name: REPLICATION_HEALTHY_METRIC, dimensions: ferryMetricDimensions('orders') },
      { namespace: FERRY_METRICS_NAMESPACE, name: REPLICATION_LAG_METRIC, dimensions: ferryMetricDimensions('orders') },
    ]);
    const { template } = standalone();
    for (const [what, metric] of [['replication-failed', REPLICATION_HEALTHY_METRIC], ['replication-lag', REPLICATION_LAG_METRIC]] as const) {
      const alarm = alarmNamed(template, `Ferry-test-orders-${what}`);
      const identity = { namespace: alarm.Namespace, name: alarm.MetricName, dimensions: Object.fromEntries(alarm.Dimensions.map((d: Json) => [d.Name, d.Value])) };
      expect(identities).toContainEqual(identity);
      expect(identity.name).toBe(metric);
    }
  });
});

describe('ReplicationMonitor', () => {
  it('runs the monitor function every minute with the migrations to look at', () => {
    // GIVEN
    const stack = emptyStack();
    const fn = new lambda.Function(stack, 'Monitor', { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {}') });
    // WHEN
    new ReplicationMonitor(stack, 'ReplicationMonitor', { monitorFunction: fn, migrationIds: ['orders', 'catalog'] });
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [
        Match.objectLike({
          Arn: stack.resolve(fn.functionArn),
          Input: JSON.stringify({ migrationIds: ['orders', 'catalog'] }),
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', { Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', FunctionName: stack.resolve(fn.functionArn) });
  });

  it('refuses an empty list of migrations', () => {
    const stack = emptyStack();
    const fn = lambda.Function.fromFunctionName(stack, 'Monitor', 'monitor');
    expect(() => new ReplicationMonitor(stack, 'ReplicationMonitor', { monitorFunction: fn, migrationIds: [] })).toThrow('ReplicationMonitor: no migrations to monitor');
  });
});

// The FerryStack needs statemachines/rollback.asl.json, which the rollback alarms start.
describe.runIf(existsSync(path.join(STATEMACHINES_DIR, 'rollback.asl.json')))('FerryStack: rollback alarms and the monitor', () => {
  const twoMigrations = (disabled: boolean) =>
    ferryStack((env) => {
      const base = env.migrations[0]!;
      env.migrations.push({ ...base, id: 'catalog', rollback: { enabled: !disabled, alarmNames: ['catalog-errors'] } });
    });

  it('gives each migration with rollback enabled its alarms and a rule that starts the rollback workflow', () => {
    // GIVEN two migrations with rollback enabled (the default)
    const { stack, template } = twoMigrations(false);
    // THEN
    expect(Object.keys(stack.rollbackAlarms)).toEqual(['orders', 'catalog']);
    const rollback = stack.resolve(stack.workflows.workflows.rollback!.stateMachine.stateMachineArn);
    for (const id of ['orders', 'catalog']) {
      const alarms = stack.rollbackAlarms[id]!;
      alarmNamed(template, `Ferry-test-${id}-replication-lag`);
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: Match.objectLike({ resources: alarms.alarmArns.map((a) => stack.resolve(a)) }),
        Targets: [Match.objectLike({ Arn: rollback, InputTransformer: Match.objectLike({ InputTemplate: Match.stringLikeRegexp(`^\\{"migrationId":"${id}"`) }) })],
      });
    }
  });

  it('creates nothing for a migration whose rollback is disabled', () => {
    // GIVEN catalog with rollback disabled
    const { stack, template } = twoMigrations(true);
    // THEN
    expect(Object.keys(stack.rollbackAlarms)).toEqual(['orders']);
    // catalog's only alarms are those of its drift schedule and its verification, which every migration has; none rolls back
    const catalogAlarms = Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: Match.stringLikeRegexp('catalog') } }));
    expect(catalogAlarms.map((a) => a.Properties.AlarmName).sort()).toEqual([
      'Ferry-test-catalog-capture-wal-source',
      'Ferry-test-catalog-capture-wal-target',
      'Ferry-test-catalog-drift',
      'Ferry-test-catalog-drift-not-started',
      'Ferry-test-catalog-verification-differences',
    ]);
    const rules = JSON.stringify(template.findResources('AWS::Events::Rule'));
    expect(rules).not.toContain('catalog-errors');
    expect(rules).not.toContain('"migrationId":"catalog"');
  });

  it('runs the replication-monitor function every minute for every migration', () => {
    const { stack, template } = twoMigrations(true);
    const monitor = stack.workflows.functions['replication-monitor']!;
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: stack.resolve(monitor.functionArn), Input: JSON.stringify({ migrationIds: ['orders', 'catalog'] }) })],
    });
  });
});

/** The only target of the only EventBridge rule. */
function ruleTarget(template: Template): Json {
  const rules = Object.values(template.findResources('AWS::Events::Rule'));
  expect(rules).toHaveLength(1);
  expect(rules[0]!.Properties.Targets).toHaveLength(1);
  return rules[0]!.Properties.Targets[0];
}

/**
 * What EventBridge does with an input transformer: each `<name>` becomes the value at its path,
 * inserted as is inside a JSON string and as JSON (a quoted string) outside one.
 */
function transform(transformer: { InputPathsMap: Record<string, string>; InputTemplate: string }, event: Json): unknown {
  const valueAt = (jsonPath: string) => jsonPath.replace(/^\$\./, '').split('.').reduce((v, key) => v?.[key], event);
  let inString = false;
  let out = '';
  const template = transformer.InputTemplate;
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    const placeholder = c === '<' ? /^<([A-Za-z0-9_-]+)>/.exec(template.slice(i)) : null;
    if (placeholder && placeholder[1]! in transformer.InputPathsMap) {
      const value = valueAt(transformer.InputPathsMap[placeholder[1]!]!);
      out += inString ? String(value) : JSON.stringify(value);
      i += placeholder[0].length - 1;
      continue;
    }
    if (c === '"' && template[i - 1] !== '\\') inString = !inString;
    out += c;
  }
  return JSON.parse(out);
}
