import { Duration } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { DriftSchedule, type DriftScheduleProps } from '../../../lib/constructs/drift-schedule';
import { STATEMACHINES_DIR } from '../../../lib/constructs/workflows/steps';
import { driftStep } from '../../../lambdas/drift/step';
import { FERRY_NAMESPACE, FERRY_SERVICE, METRICS } from '../../../lambdas/shared/catalog/metrics';
import type { DriftResult } from '../../../lambdas/shared/drift/types';
import { MigrationSchema, type MigrationConfigInput } from '../../../lambdas/shared/migration-config';
import { emfMetrics } from '../../../lambdas/shared/observability';
import type { StepRuntime } from '../../../lambdas/shared/runtime';
import { DriftInputSchema } from '../../../lambdas/shared/workflow-inputs';
import { validEnvironment } from '../config.fixture';
import { alarmMetric, alarmNamed, dimensionsOf, ferryStack, nagFindings, notifies, publishedMetrics, roleStatements, synthesize } from '../stack.fixture';

type Json = any;

// Only the agreement test at the end runs the drift step; it gets its findings from here, not from databases.
const detected = vi.hoisted(() => ({ result: undefined as unknown }));
vi.mock('../../../lambdas/shared/drift/detect', async (importOriginal) => ({
  ...(await importOriginal<object>()),
  detectDrift: async () => detected.result,
}));

const DRIFT = { schedule: 'cron(15 */6 * * ? *)', timeZone: 'Europe/Berlin' } as const;

/** A stand-in drift workflow. */
const driftMachine = (scope: Construct, name?: string) =>
  new sfn.StateMachine(scope, 'Drift', { stateMachineName: name, definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(scope, 'Check')) });

/** DriftSchedule for `orders`, checked at DRIFT's schedule unless `props` say otherwise, in an empty stack with a key, a topic and a stand-in drift state machine. */
function standalone(props: Partial<DriftScheduleProps> = {}) {
  return synthesize((stack) => {
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const topic = new sns.Topic(stack, 'Topic', { masterKey: key, enforceSSL: true });
    const driftStateMachine = driftMachine(stack, 'Ferry-test-drift');
    const drift = new DriftSchedule(stack, 'DriftSchedule', { migrationId: 'orders', ...DRIFT, driftStateMachine, topic, encryptionKey: key, namePrefix: 'Ferry-test', ...props });
    return { drift, key, topic, driftStateMachine };
  });
}

/** The only schedule's properties. */
function theSchedule(template: Template): Json {
  const schedules = Object.values(template.findResources('AWS::Scheduler::Schedule'));
  expect(schedules).toHaveLength(1);
  return schedules[0]!.Properties;
}

describe('DriftSchedule: the schedule', () => {
  it('runs at drift.schedule in drift.timeZone, when due (no flexible window), named <prefix>-<migration>-drift', () => {
    // GIVEN a migration checked every 6 hours, Berlin time
    // WHEN
    const { template } = standalone();
    // THEN
    expect(theSchedule(template)).toMatchObject({
      Name: 'Ferry-test-orders-drift',
      ScheduleExpression: 'cron(15 */6 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
    });
    // and in the default group, which the role's trust names
    expect(theSchedule(template).GroupName).toBeUndefined();
  });

  it('takes the defaults of the configuration: hourly, UTC, enabled', () => {
    // GIVEN no drift settings
    // WHEN
    const { template } = standalone({ schedule: undefined, timeZone: undefined });
    // THEN
    expect(theSchedule(template)).toMatchObject({ ScheduleExpression: 'cron(0 * * * ? *)', ScheduleExpressionTimezone: 'UTC', State: 'ENABLED' });
  });

  it('keeps the schedule of a migration with drift.enabled false, DISABLED, and its alarm', () => {
    // GIVEN drift.enabled false
    // WHEN
    const { template } = standalone({ enabled: false });
    // THEN enabling checks is a configuration change, nothing to create
    expect(theSchedule(template)).toMatchObject({ Name: 'Ferry-test-orders-drift', ScheduleExpression: 'cron(15 */6 * * ? *)', State: 'DISABLED' });
    // and the alarm still watches checks started from the console
    expect(alarmNamed(template, 'Ferry-test-orders-drift').AlarmDescription).toMatch(/DISABLED \(drift\.enabled false\)\.$/);
  });

  it('starts the drift state machine with exactly the console input {"migrationId":"orders"}', () => {
    // GIVEN a drift state machine
    // WHEN the schedule is added
    const { template, driftStateMachine, ref } = standalone();
    // THEN
    const target = theSchedule(template).Target;
    expect(target.Arn).toEqual(ref(driftStateMachine.stateMachineArn));
    expect(typeof target.Input).toBe('string');
    expect(JSON.parse(target.Input)).toEqual({ migrationId: 'orders' });
    // which the drift step accepts as a check
    expect(DriftInputSchema.parse(JSON.parse(target.Input))).toEqual({ migrationId: 'orders', action: 'check' });
  });

  it('starts it with its own role: trusted by Scheduler of this account only, allowed to start exactly that state machine', () => {
    // GIVEN a drift state machine and a key
    // WHEN the schedule is added
    const { template, drift, driftStateMachine, key, ref } = standalone();
    // THEN
    const roleId = theSchedule(template).Target.RoleArn['Fn::GetAtt'][0];
    expect(ref(drift.role.roleArn)).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
    expect(template.toJSON().Resources[roleId].Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: {
          StringEquals: {
            'aws:SourceAccount': '123456789012',
            'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':scheduler:eu-west-1:123456789012:schedule-group/default']] },
          },
        },
      },
    ]);
    expect(roleStatements(template, roleId)).toEqual([
      { Action: 'states:StartExecution', Effect: 'Allow', Resource: ref(driftStateMachine.stateMachineArn) },
      { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: ref(drift.deadLetterQueue.queueArn) },
      // the key only for this schedule's input
      {
        Action: 'kms:Decrypt',
        Effect: 'Allow',
        Resource: ref(key.keyArn),
        Condition: {
          StringEquals: {
            'kms:EncryptionContext:aws:scheduler:schedule:arn': {
              'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':scheduler:eu-west-1:123456789012:schedule/default/Ferry-test-orders-drift']],
            },
          },
        },
      },
    ]);
    // and Scheduler's L2 made no role of its own: the stand-in state machine's and this one
    template.resourceCountIs('AWS::IAM::Role', 2);
  });

  it('encrypts its input with the given key, and waits for its role’s policy before the first start', () => {
    // GIVEN a key
    // WHEN
    const { template, key, ref } = standalone();
    // THEN
    expect(theSchedule(template).KmsKeyArn).toEqual(ref(key.keyArn));
    const schedule = Object.values(template.findResources('AWS::Scheduler::Schedule'))[0]!;
    const policyIds = Object.keys(template.findResources('AWS::IAM::Policy', { Properties: { PolicyName: Match.stringLikeRegexp('StartDriftRole') } }));
    expect(policyIds).toHaveLength(1);
    expect(schedule.DependsOn).toEqual(expect.arrayContaining(policyIds));
  });

  it('uses an AWS owned key and grants no key without an encryptionKey', () => {
    // GIVEN no key
    // WHEN
    const { template } = standalone({ encryptionKey: undefined });
    // THEN
    const schedule = theSchedule(template);
    expect(schedule.KmsKeyArn).toBeUndefined();
    const roleId = schedule.Target.RoleArn['Fn::GetAtt'][0];
    expect(roleStatements(template, roleId).map((s) => s.Action)).toEqual(['states:StartExecution', 'sqs:SendMessage']);
  });

  it('retries a start, then keeps it in an encrypted, TLS-only dead-letter queue that alarms', () => {
    // GIVEN the default retry policy
    // WHEN
    const { template, drift, topic, ref } = standalone();
    // THEN
    const target = theSchedule(template).Target;
    expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 3600 });
    expect(target.DeadLetterConfig).toEqual({ Arn: ref(drift.deadLetterQueue.queueArn) });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [ref(drift.deadLetterQueue.queueUrl)],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    const alarm = alarmNamed(template, 'Ferry-test-orders-drift-not-started');
    expect(alarm).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: ref(drift.deadLetterQueue.queueName) }],
      Statistic: 'Maximum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      ...notifies(ref(topic.topicArn)),
    });
    expect(JSON.stringify(alarm.AlarmDescription)).toMatch(/could not start the drift workflow Ferry-test-drift \(schedule Ferry-test-orders-drift\) and gave up: that check did not run/);
  });

  it('takes the retry policy it is given', () => {
    // GIVEN 2 retries within 10 minutes
    // WHEN
    const { template } = standalone({ retryAttempts: 2, maxEventAge: Duration.minutes(10) });
    // THEN
    expect(theSchedule(template).Target.RetryPolicy).toEqual({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 600 });
  });

  it('refuses a name that EventBridge Scheduler would refuse, naming it', () => {
    // GIVEN the longest migration id and a long prefix: 65 characters
    const id = 'a'.repeat(32);
    const prefix = `Ferry-${'e'.repeat(20)}`;
    // WHEN / THEN synth fails, naming it
    expect(() => standalone({ migrationId: id, namePrefix: prefix })).toThrow(
      `DriftSchedule: schedule name '${prefix}-${id}-drift' must be at most 64 letters, digits, '.', '_' and '-' (EventBridge Scheduler); ` +
        'shorten the environment name or the migration id',
    );
    // and one character less fits
    expect(() => standalone({ migrationId: id.slice(1), namePrefix: prefix })).not.toThrow();
  });

  it('names the schedule and its alarms after the stack by default', () => {
    // GIVEN no name prefix, in the stack Ferry-dev
    // WHEN
    const { template, drift } = synthesize(
      (stack) => ({ drift: new DriftSchedule(stack, 'DriftSchedule', { migrationId: 'orders', ...DRIFT, driftStateMachine: driftMachine(stack), topic: new sns.Topic(stack, 'Topic') }) }),
      { stackName: 'Ferry-dev' },
    );
    // THEN
    expect(drift.name).toBe('Ferry-dev-orders-drift');
    expect(theSchedule(template).Name).toBe('Ferry-dev-orders-drift');
    alarmNamed(template, 'Ferry-dev-orders-drift');
    alarmNamed(template, 'Ferry-dev-orders-drift-not-started');
  });

  it('brings no cdk-nag AwsSolutions finding', () => {
    // GIVEN a key and a drift state machine
    // WHEN the schedule is added
    const { stack } = standalone();
    // THEN
    expect(nagFindings(stack).filter((finding) => finding.includes('/DriftSchedule/'))).toEqual([]);
  });
});

describe('DriftSchedule: the drift alarm', () => {
  it('alarms when the last check found any difference, on the drift step’s metric, notifying the topic on ALARM and OK', () => {
    // GIVEN the drift step's metric
    // WHEN the schedule is added
    const { template, topic, ref } = standalone();
    // THEN
    const alarm = alarmNamed(template, 'Ferry-test-orders-drift');
    expect(alarm).toMatchObject({
      Namespace: 'Ferry',
      MetricName: 'DriftDifferences',
      Statistic: 'Maximum',
      Period: 3600,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      // checks publish only when they run: a period without one keeps the last check's verdict
      TreatMissingData: 'ignore',
      ...notifies(ref(topic.topicArn)),
    });
    // the whole dimension set Powertools publishes, not a part of it
    expect(alarm.Dimensions).toHaveLength(2);
    expect(alarm.Dimensions).toEqual(expect.arrayContaining(dimensionsOf({ service: 'ferry', migrationId: 'orders' })));
  });

  it('describes what drift means, where the report is and how to reproduce it', () => {
    // GIVEN checks every 6 hours, Berlin time, schema only
    // WHEN
    const { template } = standalone();
    // THEN
    const description: string = alarmNamed(template, 'Ferry-test-orders-drift').AlarmDescription;
    expect(description).toMatch(/^The last drift check of migration orders found differences: before cutover between the source and the target, after cutover between the target and the schema snapshot taken at cutover\./);
    expect(description).toContain('DDL ran on one side only');
    expect(description).toContain('(rows are not compared: drift.data is none)');
    expect(description).toContain('The alarm stays in ALARM until a later check finds none.');
    expect(description).toContain('Report: checkpoint table (stack output CheckpointTableName), pk MIGRATION#orders, sk REPORT#drift#<time>');
    expect(description).toContain('Reproduce: npm run ferry -- drift --source <postgres-url> --target <postgres-url> (after cutover --snapshot <file> instead of --source)');
    expect(description).toContain('or start Ferry-test-drift with {"migrationId":"orders"}.');
    expect(description).toMatch(/Schedule Ferry-test-orders-drift: cron\(15 \*\/6 \* \* \? \*\) Europe\/Berlin\.$/);
  });

  it('says when rows are compared', () => {
    // GIVEN checks that compare a sample of the rows
    // WHEN
    const { template } = standalone({ data: 'sample' });
    // THEN
    expect(alarmNamed(template, 'Ferry-test-orders-drift').AlarmDescription).toContain('(rows are compared: drift.data is sample)');
  });

  it('keeps the description within CloudWatch’s 1024 characters, the report and the schedule whole', () => {
    // GIVEN the longest id and a long schedule and zone
    const id = 'm'.repeat(32);
    const schedule = 'cron(0,5,10,15,20,25,30,35,40,45,50,55 0,2,4,6,8,10,12,14,16,18,20,22 ? JAN-DEC MON-FRI 2030-2199)';
    // WHEN
    const { template } = standalone({ migrationId: id, schedule, timeZone: 'America/Argentina/ComodRivadavia', namePrefix: 'Ferry-e' });
    // THEN
    const description: string = alarmNamed(template, `Ferry-e-${id}-drift`).AlarmDescription;
    expect(description.length).toBeLessThanOrEqual(1024);
    expect(description).toContain(`pk MIGRATION#${id}`);
    expect(description.endsWith(`${schedule} America/Argentina/ComodRivadavia.`)).toBe(true);
  });

  it('reads the metric in the period it is given', () => {
    // GIVEN a period of 15 minutes
    // WHEN
    const { template } = standalone({ alarmPeriod: Duration.minutes(15) });
    // THEN
    expect(alarmNamed(template, 'Ferry-test-orders-drift').Period).toBe(900);
  });
});

describe('DriftSchedule and the drift step agree on the metric', () => {
  it('alarms on the very metric, dimensions and all, that the step publishes through Powertools', async () => {
    // GIVEN the drift step publishing with the Lambda metrics adapter (EMF on stdout), finding two differences
    const result: DriftResult = {
      mode: 'source-target',
      differences: [
        { kind: 'column-extra', object: 'public.orders.coupon', source: null, target: 'text', severity: 'error' },
        { kind: 'sequence-exhaustion', object: 'public.orders_id_seq', source: null, target: { percentUsed: 85 }, severity: 'warning' },
      ],
      counts: { schema: 1, data: 0, sequences: 1, byKind: { 'column-extra': 1, 'sequence-exhaustion': 1 } },
      incomplete: [],
      fingerprint: 'f'.repeat(64),
    };
    detected.result = result;
    const migration = MigrationSchema.parse({ ...(validEnvironment().migrations[0] as MigrationConfigInput), drift: DRIFT });
    const runtime = {
      store: {
        getState: async () => ({ phase: 'ready' }),
        latestReport: async () => undefined,
        putReport: async () => ({ sk: 'REPORT#drift#2030-01-01T00:00:00.000Z' }),
      },
      metrics: emfMetrics,
      notifier: { notify: async () => undefined },
      migration: () => migration,
      now: () => Date.parse('2030-01-01T00:00:00Z'),
      openDatabases: async () => ({ close: async () => undefined }),
    } as unknown as StepRuntime;
    // WHEN it runs a check
    const published = await publishedMetrics(() => driftStep({ migrationId: 'orders' }, runtime));
    // THEN the step published DriftDifferences, the total of the check, with service and migrationId
    const driftDifferences = { namespace: FERRY_NAMESPACE, name: METRICS.driftDifferences.name, dimensions: { service: FERRY_SERVICE, migrationId: 'orders' } };
    expect(published).toContainEqual({ ...driftDifferences, value: 2 });
    // and that is what the alarm reads
    expect(alarmMetric(alarmNamed(standalone().template, 'Ferry-test-orders-drift'))).toEqual(driftDifferences);
  });
});

// The FerryStack needs statemachines/drift.asl.json, which the schedules start.
describe.runIf(existsSync(path.join(STATEMACHINES_DIR, 'drift.asl.json')))('FerryStack: drift schedules', () => {
  const twoMigrations = () =>
    ferryStack((env) => {
      const base = env.migrations[0]!;
      env.migrations.push({ ...base, id: 'catalog', drift: { enabled: false, schedule: 'rate(6 hours)' } });
    });

  it('gives every migration a schedule of the drift workflow and a drift alarm, the disabled ones DISABLED', () => {
    // GIVEN orders with the default drift settings and catalog with drift disabled
    // WHEN
    const { stack, template, ref } = twoMigrations();
    // THEN
    expect(Object.keys(stack.driftSchedules)).toEqual(['orders', 'catalog']);
    const drift = ref(stack.workflows.workflows.drift!.stateMachineArn);
    const key = ref(stack.encryptionKey.key.keyArn);
    template.resourceCountIs('AWS::Scheduler::Schedule', 2);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'Ferry-test-orders-drift',
      ScheduleExpression: 'cron(0 * * * ? *)',
      ScheduleExpressionTimezone: 'UTC',
      State: 'ENABLED',
      KmsKeyArn: key,
      Target: Match.objectLike({ Arn: drift, Input: JSON.stringify({ migrationId: 'orders' }) }),
    });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'Ferry-test-catalog-drift',
      ScheduleExpression: 'rate(6 hours)',
      State: 'DISABLED',
      Target: Match.objectLike({ Arn: drift, Input: JSON.stringify({ migrationId: 'catalog' }) }),
    });
    const topic = ref(stack.notifications.topic.topicArn);
    for (const id of ['orders', 'catalog']) {
      expect(alarmNamed(template, `Ferry-test-${id}-drift`)).toMatchObject({ MetricName: 'DriftDifferences', ...notifies(topic) });
    }
  });

  it('says in an output where each migration’s schedule is and whether it runs', () => {
    // GIVEN catalog checked every 6 hours, disabled
    // WHEN
    const { template } = twoMigrations();
    // THEN
    template.hasOutput('DriftScheduleCatalogName', {
      Description: 'Migration catalog: EventBridge Scheduler schedule of the drift checks, rate(6 hours) UTC, DISABLED (drift.enabled in cdk.json); alarm Ferry-test-catalog-drift',
    });
  });

  it('grants the drift step what it needs: the checkpoint table, the database secrets and the topic', () => {
    // GIVEN two migrations
    // WHEN
    const { stack, template } = twoMigrations();
    // THEN
    const role = stack.workflows.functions.drift!.role!;
    const roleId = stack.getLogicalId(role.node.defaultChild as never);
    const actions = roleStatements(template, roleId).flatMap((s) => [s.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:Query', 'secretsmanager:GetSecretValue', 'sns:Publish']));
    expect(actions.filter((a: string) => a.startsWith('states:') || a.startsWith('dms:'))).toEqual([]);
  });
});
