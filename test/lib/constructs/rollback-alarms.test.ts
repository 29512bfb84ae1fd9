import { Duration } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReplicationMonitor } from '../../../lib/constructs/replication-monitor';
import { RollbackAlarms, type RollbackAlarmsProps } from '../../../lib/constructs/rollback-alarms';
import { STATEMACHINES_DIR } from '../../../lib/constructs/workflows/steps';
import { replicationMonitorStep } from '../../../lambdas/replication-monitor/step';
import { FERRY_NAMESPACE, FERRY_SERVICE, METRICS } from '../../../lambdas/shared/catalog/metrics';
import { MigrationSchema, RollbackSchema, type MigrationConfig, type MigrationConfigInput } from '../../../lambdas/shared/migration-config';
import { RollbackInputSchema } from '../../../lambdas/shared/workflow-inputs';
import { emfMetrics } from '../../../lambdas/shared/observability';
import type { StepRuntime } from '../../../lambdas/shared/runtime';
import { ScriptedEngine } from '../../helpers/scripted-engine';
import { validEnvironment } from '../config.fixture';
import { alarmMetric, alarmNamed, dimensionsOf, emptyStack, ferryStack, identityOf, nagFindings, notifies, publishedMetrics, roleStatements, synthesize } from '../stack.fixture';

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

/** The props a `rollback` section of the configuration gives (as the stack maps it), its defaults applied by the schema. */
function settings(rollback: Record<string, unknown> = ROLLBACK): Partial<RollbackAlarmsProps> {
  const { enabled: _, ...props } = RollbackSchema.parse(rollback);
  return props;
}

/** The fixture migration with this `rollback` section, as the replication monitor reads it. */
function migrationConfig(rollback: Record<string, unknown> = ROLLBACK): MigrationConfig {
  const base = validEnvironment().migrations[0] as MigrationConfigInput;
  return MigrationSchema.parse({ ...base, rollback });
}

/** A stand-in rollback workflow. */
const rollbackMachine = (scope: Construct, name?: string) =>
  new sfn.StateMachine(scope, 'Rollback', { stateMachineName: name, definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(scope, 'Roll back')) });

/** RollbackAlarms for `orders` (ROLLBACK's settings unless `props` say otherwise) in an empty stack, with a topic and a stand-in rollback state machine. */
function standalone(props: Partial<RollbackAlarmsProps> = {}) {
  return synthesize((stack) => {
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const topic = new sns.Topic(stack, 'Topic', { masterKey: key, enforceSSL: true });
    const rollbackStateMachine = rollbackMachine(stack, 'Test-rollback');
    const alarms = new RollbackAlarms(stack, 'RollbackAlarms', { migrationId: 'orders', ...settings(), rollbackStateMachine, topic, namePrefix: 'Ferry-test', ...props });
    return { alarms, topic, rollbackStateMachine };
  });
}

/** What each alarm created here has: M of N as configured, missing data not breaching, the topic told on ALARM and on OK. */
const rollbackAlarm = (topic: Json, m = 3, n = 5) => ({ EvaluationPeriods: n, DatapointsToAlarm: m, TreatMissingData: 'notBreaching', ...notifies(topic) });

describe('RollbackAlarms: the alarms', () => {
  it('alarms on replication lag above maxLagSeconds, M of N, notifying the topic on ALARM and OK', () => {
    // GIVEN a migration that rolls back past 90 s of lag, 3 of 5 datapoints of 2 minutes
    // WHEN
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
      ...rollbackAlarm(ref(topic.topicArn)),
    });
    expect(lag.Dimensions).toHaveLength(2);
    // and its description is a runbook: what it means, what the rollback does, where to look
    expect(lag.AlarmDescription).toMatch(/^Replication of migration orders is more than 90 s behind/);
    expect(lag.AlarmDescription).toMatch(/starts the rollback workflow Ferry-test-rollback for orders: before cutover it stops replication/);
    expect(lag.AlarmDescription).toMatch(/Look at: the subscription on the receiving database \(pg_stat_subscription\), the replication-monitor function's log \(\/aws\/lambda\/Ferry-test-replication-monitor\)/);
  });

  it('alarms when replication is not healthy: the minimum of ReplicationHealthy below 1', () => {
    // GIVEN 3 of 5 datapoints
    // WHEN
    const { template, topic, ref } = standalone();
    // THEN
    const failed = alarmNamed(template, 'Ferry-test-orders-replication-failed');
    expect(failed).toMatchObject({
      Namespace: 'Ferry',
      MetricName: 'ReplicationHealthy',
      Statistic: 'Minimum',
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      ...rollbackAlarm(ref(topic.topicArn)),
    });
    expect(failed.Dimensions).toEqual(expect.arrayContaining(dimensionsOf({ service: 'ferry', migrationId: 'orders' })));
    expect(failed.AlarmDescription).toMatch(/^Replication of migration orders is not running while it should/);
  });

  it('says where to look for a DMS replication', () => {
    // GIVEN a migration replicated by DMS
    // WHEN
    const { template } = standalone({ engine: 'dms-serverless' });
    // THEN
    expect(alarmNamed(template, 'Ferry-test-orders-replication-lag').AlarmDescription).toMatch(/Look at: the DMS replication in the DMS console, the replication-monitor function's log/);
  });

  it('reads Ferry metrics in periods of at least a minute: the monitor publishes once a minute', () => {
    // GIVEN datapoints of 10 seconds
    // WHEN
    const { template } = standalone(settings({ ...ROLLBACK, periodSeconds: 10 }));
    // THEN
    expect(alarmNamed(template, 'Ferry-test-orders-replication-lag').Period).toBe(60);
    // while the application's metrics keep the configured period (they may be high-resolution)
    expect(alarmNamed(template, 'Ferry-test-orders-metric-1-HTTPCode_Target_5XX_Count').Period).toBe(10);
  });

  it('alarms on each configured metric with its statistic, threshold, comparison and description', () => {
    // GIVEN the application's error count and checkout latency
    // WHEN
    const { template, topic, ref } = standalone();
    // THEN
    const errors = alarmNamed(template, 'Ferry-test-orders-metric-1-HTTPCode_Target_5XX_Count');
    expect(errors).toMatchObject({
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'HTTPCode_Target_5XX_Count',
      Dimensions: [{ Name: 'LoadBalancer', Value: 'app/orders/0123456789abcdef' }],
      Statistic: 'Sum',
      Period: 120,
      Threshold: 50,
      ComparisonOperator: 'GreaterThanThreshold',
      ...rollbackAlarm(ref(topic.topicArn)),
    });
    expect(errors.AlarmDescription).toMatch(/^The orders API answers with server errors\. \(AWS\/ApplicationELB HTTPCode_Target_5XX_Count Sum > 50, configured in rollback\.metrics\[0\]\.\) On ALARM/);
    // and a percentile is an extended statistic
    const latency = alarmNamed(template, 'Ferry-test-orders-metric-2-CheckoutLatency');
    expect(latency).toMatchObject({ Namespace: 'Orders', MetricName: 'CheckoutLatency', ExtendedStatistic: 'p99', Threshold: 2000, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    expect(latency.Statistic).toBeUndefined();
    expect(latency.Dimensions).toBeUndefined();
  });

  it('creates no alarm for the existing alarms it is given by name', () => {
    // GIVEN two existing alarms
    // WHEN
    const { template } = standalone();
    // THEN it has lag, failed, two metrics, and the dead-letter alarm
    template.resourceCountIs('AWS::CloudWatch::Alarm', 5);
    for (const name of ROLLBACK.alarmNames) expect(template.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: name } })).toEqual({});
  });

  it('keeps a long configured description within CloudWatch’s 1024 characters, the runbook whole', () => {
    // GIVEN a metric described in 500 characters
    const long = { ...ROLLBACK, metrics: [{ ...ROLLBACK.metrics[0], description: 'x'.repeat(500) }] };
    // WHEN
    const { template } = standalone(settings(long));
    // THEN
    const description: string = alarmNamed(template, 'Ferry-test-orders-metric-1-HTTPCode_Target_5XX_Count').AlarmDescription;
    expect(description.length).toBeLessThanOrEqual(1024);
    expect(description).toMatch(/Look at: the AWS\/ApplicationELB HTTPCode_Target_5XX_Count metric and the application; the Ferry-test-rollback executions \(Step Functions console\)\.$/);
  });

  it('names its alarms after the stack by default', () => {
    // GIVEN no name prefix, in the stack Ferry-dev
    // WHEN
    const { template } = synthesize(
      (stack) => ({ alarms: new RollbackAlarms(stack, 'Alarms', { migrationId: 'orders', rollbackStateMachine: rollbackMachine(stack), topic: new sns.Topic(stack, 'Topic') }) }),
      { stackName: 'Ferry-dev' },
    );
    // THEN
    alarmNamed(template, 'Ferry-dev-orders-replication-lag');
  });

  it('refuses more breaching datapoints than it looks at', () => {
    // GIVEN 4 of 3 datapoints
    // WHEN / THEN synth fails, saying so
    expect(() => standalone({ evaluationPeriods: 3, datapointsToAlarm: 4 })).toThrow('RollbackAlarms: datapointsToAlarm (4) must not exceed evaluationPeriods (3)');
  });
});

describe('RollbackAlarms: the rule that starts the rollback', () => {
  it('matches exactly the state changes to ALARM of these alarms, created and named', () => {
    // GIVEN four alarms created and two named
    // WHEN
    const { template, alarms, ref } = standalone();
    // THEN
    const created = [alarms.replicationLagAlarm, alarms.replicationFailedAlarm, ...alarms.metricAlarms].map((a) => ref(a.alarmArn));
    const named = ROLLBACK.alarmNames.map((name) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:cloudwatch:eu-west-1:123456789012:alarm:${name}`]],
    }));
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
    // GIVEN the rule's target
    const { template, rollbackStateMachine, ref } = standalone();
    const target = ruleTarget(template);
    // THEN it names the rollback state machine and builds the input from the event
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
    // GIVEN a rollback state machine
    // WHEN the alarms are added
    const { template, rollbackStateMachine, ref } = standalone();
    // THEN
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
    expect(roleStatements(template, roleId)).toEqual([{ Action: 'states:StartExecution', Effect: 'Allow', Resource: ref(rollbackStateMachine.stateMachineArn) }]);
  });

  it('retries the start, then keeps the event in an encrypted, TLS-only dead-letter queue that alarms', () => {
    // GIVEN the default retry policy
    // WHEN
    const { template, alarms, topic, ref } = standalone();
    // THEN
    const target = ruleTarget(template);
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
      ...notifies(ref(topic.topicArn)),
    });
  });

  it('takes the retry policy it is given', () => {
    // GIVEN 2 retries within 5 minutes
    // WHEN
    const { template } = standalone({ retryAttempts: 2, maxEventAge: Duration.minutes(5) });
    // THEN
    expect(ruleTarget(template).RetryPolicy).toEqual({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 300 });
  });

  it('brings no cdk-nag AwsSolutions finding', () => {
    // GIVEN the settings of ROLLBACK
    // WHEN the alarms are added
    const { stack } = standalone();
    // THEN
    expect(nagFindings(stack).filter((finding) => finding.includes('/RollbackAlarms/'))).toEqual([]);
  });
});

describe('RollbackAlarms and the replication monitor agree on the metrics', () => {
  it('alarms on the very metric, dimensions and all, that the monitor publishes through Powertools', async () => {
    // GIVEN the monitor step publishing with the Lambda metrics adapter (EMF on stdout)
    const migration = migrationConfig();
    const runtime = {
      store: { getState: async () => ({ phase: 'ready' }) },
      metrics: emfMetrics,
      migration: () => migration,
      openDatabases: async () => ({ close: async () => undefined }),
      engine: async () => new ScriptedEngine({ status: { state: 'cdc', tables: [] }, lag: { seconds: 3 } }),
    } as unknown as StepRuntime;
    // WHEN it runs
    const identities = (await publishedMetrics(() => replicationMonitorStep({ migrationIds: ['orders'] }, runtime))).map(identityOf);
    // THEN each published metric the rollback alarms read is what they read
    const dimensions = { service: FERRY_SERVICE, migrationId: 'orders' };
    const forAlarms: string[] = [METRICS.replicationHealthy.name, METRICS.replicationLagSeconds.name];
    expect(identities.filter((m) => forAlarms.includes(m.name))).toEqual([
      { namespace: FERRY_NAMESPACE, name: METRICS.replicationHealthy.name, dimensions },
      { namespace: FERRY_NAMESPACE, name: METRICS.replicationLagSeconds.name, dimensions },
    ]);
    const { template } = standalone();
    for (const [what, metric] of [['replication-failed', METRICS.replicationHealthy.name], ['replication-lag', METRICS.replicationLagSeconds.name]] as const) {
      const identity = alarmMetric(alarmNamed(template, `Ferry-test-orders-${what}`));
      expect(identities).toContainEqual(identity);
      expect(identity.name).toBe(metric);
    }
  });
});

describe('ReplicationMonitor', () => {
  it('runs the monitor function every minute with the migrations to look at', () => {
    // GIVEN the monitor function and two migrations
    // WHEN
    const { template, fn, ref } = synthesize((stack) => {
      const monitorFunction = new lambda.Function(stack, 'Monitor', { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {}') });
      new ReplicationMonitor(stack, 'ReplicationMonitor', { monitorFunction, migrationIds: ['orders', 'catalog'] });
      return { fn: monitorFunction };
    });
    // THEN
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [
        Match.objectLike({
          Arn: ref(fn.functionArn),
          Input: JSON.stringify({ migrationIds: ['orders', 'catalog'] }),
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', { Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', FunctionName: ref(fn.functionArn) });
  });

  it('refuses an empty list of migrations', () => {
    // GIVEN the monitor function
    const stack = emptyStack();
    const fn = lambda.Function.fromFunctionName(stack, 'Monitor', 'monitor');
    // WHEN it has no migrations to look at
    // THEN synth fails
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
    // WHEN
    const { stack, template, ref } = twoMigrations(false);
    // THEN
    expect(Object.keys(stack.rollbackAlarms)).toEqual(['orders', 'catalog']);
    const rollback = ref(stack.workflows.workflows.rollback!.stateMachineArn);
    for (const id of ['orders', 'catalog']) {
      const alarms = stack.rollbackAlarms[id]!;
      alarmNamed(template, `Ferry-test-${id}-replication-lag`);
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: Match.objectLike({ resources: alarms.alarmArns.map((a) => ref(a)) }),
        Targets: [Match.objectLike({ Arn: rollback, InputTransformer: Match.objectLike({ InputTemplate: Match.stringLikeRegexp(`^\\{"migrationId":"${id}"`) }) })],
      });
    }
  });

  it('creates nothing for a migration whose rollback is disabled', () => {
    // GIVEN catalog with rollback disabled
    // WHEN
    const { stack, template } = twoMigrations(true);
    // THEN
    expect(Object.keys(stack.rollbackAlarms)).toEqual(['orders']);
    // catalog's only alarms are those of its drift schedule, its verification and its stall alarm, which every migration has; none rolls back
    const catalogAlarms = Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: Match.stringLikeRegexp('catalog') } }));
    expect(catalogAlarms.map((a) => a.Properties.AlarmName).sort()).toEqual([
      'Ferry-test-catalog-capture-wal-source',
      'Ferry-test-catalog-capture-wal-target',
      'Ferry-test-catalog-drift',
      'Ferry-test-catalog-drift-not-started',
      'Ferry-test-catalog-replication-stalled',
      'Ferry-test-catalog-verification-differences',
    ]);
    const rules = JSON.stringify(template.findResources('AWS::Events::Rule'));
    expect(rules).not.toContain('catalog-errors');
    expect(rules).not.toContain('"migrationId":"catalog"');
  });

  it("maps each migration's rollback section onto its alarms", () => {
    // GIVEN orders with its own rollback settings and a DMS engine
    // WHEN
    const { template } = ferryStack((env) => {
      env.migrations[0] = { ...env.migrations[0]!, replication: { engine: 'dms-serverless' }, rollback: structuredClone(ROLLBACK) as never };
    });
    // THEN the alarms read them as a RollbackAlarms given them directly does
    const { template: direct } = standalone({ engine: 'dms-serverless' });
    for (const what of ['replication-lag', 'replication-failed', 'metric-1-HTTPCode_Target_5XX_Count', 'metric-2-CheckoutLatency']) {
      // (each stack has its own topic, and tags its resources its own way)
      const { AlarmActions: _a, OKActions: _o, Tags: _t, ...stackAlarm } = alarmNamed(template, `Ferry-test-orders-${what}`);
      const { AlarmActions: _da, OKActions: _do, ...directAlarm } = alarmNamed(direct, `Ferry-test-orders-${what}`);
      expect(stackAlarm, what).toEqual(directAlarm);
    }
  });

  it('runs the replication-monitor function every minute for every migration', () => {
    // GIVEN two migrations
    // WHEN
    const { stack, template, ref } = twoMigrations(true);
    // THEN
    const monitor = stack.workflows.functions['replication-monitor']!;
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: ref(monitor.functionArn), Input: JSON.stringify({ migrationIds: ['orders', 'catalog'] }) })],
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
