import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseEnvironments } from '../../../lib/config';
import { CheckpointTable } from '../../../lib/constructs/checkpoint-table';
import { Workflows, type WorkflowsProps } from '../../../lib/constructs/workflows';
import { readDefinition, workflowNames } from '../../../lib/constructs/workflows/definitions';
import { LAMBDAS_DIR, STATEMACHINES_DIR, STEP_FUNCTIONS, type StepNeed } from '../../../lib/constructs/workflows/steps';
import type { FerryStack } from '../../../lib/ferry-stack';
import type { MigrationConfig } from '../../../lambdas/shared/migration-config';
import { DmsResourcesSchema } from '../../../lambdas/shared/replication/dms/resources';
import { decodeMigrations, loadMigration, ROLLBACK_STATE_MACHINE_ARN_ENV } from '../../../lambdas/shared/runtime-config';
import { validEnvironment } from '../config.fixture';
import { ferryStack, nagFindings, roleStatements, synthesize } from '../stack.fixture';

// ---------------------------------------------------------------------------------------------
// Reading the template

type Json = any;

function functionNamed(template: Template, name: string): { id: string; props: Json } {
  const found = Object.entries(template.findResources('AWS::Lambda::Function', { Properties: { FunctionName: name } }));
  expect(found.map(([id]) => id), `function ${name}`).toHaveLength(1);
  const [id, resource] = found[0]!;
  return { id, props: resource.Properties };
}

/** A role's permissions as `action resource-json` lines, one per action and resource. */
function permissionsOf(statements: Json[]): string[] {
  const lines = statements.flatMap((s) => {
    expect(s.Effect).toBe('Allow');
    const actions: string[] = [s.Action].flat();
    const resources: unknown[] = [s.Resource].flat();
    return actions.flatMap((a) => resources.map((r) => `${a} ${JSON.stringify(r)}`));
  });
  return [...new Set(lines)].sort();
}

function functionPermissions(template: Template, name: string): string[] {
  const fn = functionNamed(template, name);
  return permissionsOf(roleStatements(template, fn.props.Role['Fn::GetAtt'][0]));
}

const ENI_ACTIONS = [
  'ec2:AssignPrivateIpAddresses',
  'ec2:CreateNetworkInterface',
  'ec2:DeleteNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:UnassignPrivateIpAddresses',
];

/** What every function gets whatever its needs: its own log group, VPC network interfaces, X-Ray. */
function baseline(template: Template, name: string): string[] {
  const fn = functionNamed(template, name);
  const logGroup = JSON.stringify({ 'Fn::GetAtt': [fn.props.LoggingConfig.LogGroup.Ref, 'Arn'] });
  return [
    `logs:CreateLogStream ${logGroup}`,
    `logs:PutLogEvents ${logGroup}`,
    ...[...ENI_ACTIONS, 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'].map((a) => `${a} "*"`),
  ];
}

/** A function AWS invokes asynchronously sends the events it failed on to its dead-letter queue. */
function onFailureDestination(stack: FerryStack, step: string): string[] {
  const watch = stack.functionWatches[step];
  if (!watch) return [];
  const queue = JSON.stringify(stack.resolve(watch.deadLetterQueue.queueArn));
  return ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'].map((a) => `${a} ${queue}`);
}

/**
 * The permissions each need should give, written out here independently of the construct: on the
 * FerryStack's own table, key, topic, secrets and DMS resources.
 */
function expectedFor(stack: FerryStack, migrations: readonly MigrationConfig[], needs: readonly StepNeed[]): string[] {
  const ref = (value: unknown) => JSON.stringify(stack.resolve(value));
  const table = ref(stack.checkpoints.table.tableArn);
  const key = ref(stack.encryptionKey.key.keyArn);
  const secretArns = [...new Set(migrations.flatMap((m) => [m.source.secretArn, m.target.secretArn]))];
  const dms = Object.values(stack.dmsReplications).map((r) => r.resource);
  const arnsOf = (kind: 'serverless' | 'instance') => dms.filter((r) => r.kind === kind).flatMap((r) => [ref(r.forwardArn), ref(r.reverseArn)]);
  const serverless = arnsOf('serverless');
  const instance = arnsOf('instance');
  const on = (actions: string[], resources: string[]) => actions.flatMap((a) => resources.map((r) => `${a} ${r}`));
  const lines: string[] = [];
  for (const need of needs) {
    switch (need) {
      case 'checkpoints-read':
        lines.push(...on(['dynamodb:GetItem', 'dynamodb:Query'], [table]), ...on(['kms:Decrypt', 'kms:DescribeKey'], [key]));
        break;
      case 'checkpoints-read-write':
        lines.push(
          ...on(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], [table]),
          ...on(['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'], [key]),
        );
        break;
      case 'database-secrets':
        lines.push(...on(['secretsmanager:GetSecretValue'], secretArns.map((a) => JSON.stringify(a))));
        break;
      case 'dms-read':
        lines.push(...on(['dms:DescribeReplicationTableStatistics'], serverless), ...on(['dms:DescribeTableStatistics'], instance));
        if (serverless.length > 0) lines.push(...on(['dms:DescribeReplications', 'dms:DescribeReplicationConfigs'], ['"*"']));
        if (instance.length > 0) lines.push(...on(['dms:DescribeReplicationTasks'], ['"*"']));
        break;
      case 'dms-start':
        lines.push(...on(['dms:StartReplication', 'dms:ModifyReplicationConfig'], serverless), ...on(['dms:StartReplicationTask', 'dms:ModifyReplicationTask'], instance));
        break;
      case 'dms-stop':
        lines.push(...on(['dms:StopReplication'], serverless), ...on(['dms:StopReplicationTask'], instance));
        break;
      case 'dms-lag':
        if (dms.length > 0) lines.push(...on(['cloudwatch:GetMetricData'], ['"*"']));
        if (instance.length > 0) lines.push(...on(['dms:DescribeReplicationInstances'], ['"*"']));
        break;
      case 'notify':
        lines.push(...on(['sns:Publish'], [ref(stack.notifications.topic.topicArn)]), ...on(['kms:Decrypt', 'kms:GenerateDataKey'], [key]));
        break;
      case 'switch':
        for (const { switch: s } of migrations) lines.push(...switchPermissions(s));
        break;
      case 'switch-read': {
        // Where the clients point, never a write: the reads of each strategy, and PgBouncer's file system to look at its file.
        const reads = /^(ssm:GetParameter|secretsmanager:GetSecretValue|route53:ListResourceRecordSets|kms:Decrypt|elasticfilesystem:\w+) /;
        for (const { switch: s } of migrations) lines.push(...switchPermissions(s).filter((line) => reads.test(line)));
        break;
      }
      case 'start-rollback':
        lines.push(...on(['states:StartExecution'], [inPartition(':states:eu-west-1:123456789012:stateMachine:Ferry-test-rollback')]));
        break;
      case 'rds-backups':
      case 'rds-snapshots':
        lines.push(...rdsPermissions(migrations, need));
        break;
      case 'copy-task-read':
        if (stack.copyTask) lines.push(...on(['ecs:ListTasks'], ['"*"']));
        break;
      case 'copy-task-run': {
        const task = stack.copyTask;
        if (!task) break;
        lines.push(
          ...on(['ecs:ListTasks'], ['"*"']),
          ...on(['ecs:RunTask'], [ref(task.taskDefinitionPattern)]),
          ...on(['ecs:StopTask'], [ref(task.taskPattern)]),
          ...on(['iam:PassRole'], [ref(task.taskDefinition.taskRole.roleArn), ref(task.taskDefinition.obtainExecutionRole().roleArn)]),
        );
        break;
      }
      case 'schedule-finish':
        lines.push(
          ...on(['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'], [inPartition(':scheduler:eu-west-1:123456789012:schedule/default/Ferry-test-*')]),
          ...on(['iam:PassRole'], [ref(stack.workflows.finishSchedulerRole!.roleArn)]),
        );
        break;
    }
  }
  return lines;
}

/** Backups read on the configured RDS instance or cluster; snapshots made from it, named ferry-<migration>-*. */
function rdsPermissions(migrations: readonly MigrationConfig[], need: 'rds-backups' | 'rds-snapshots'): string[] {
  const rds = (resource: string) => inPartition(`:rds:eu-west-1:123456789012:${resource}`);
  return migrations.flatMap((m) =>
    (['source', 'target'] as const).flatMap((side) => {
      const instance = m[side].rdsInstanceId;
      const cluster = m[side].rdsClusterId;
      if (instance === undefined && cluster === undefined) return [];
      const own = instance !== undefined ? rds(`db:${instance}`) : rds(`cluster:${cluster}`);
      if (need === 'rds-backups') return [`${instance !== undefined ? 'rds:DescribeDBInstances' : 'rds:DescribeDBClusters'} ${own}`];
      const snapshots = side === 'source' ? (m.backup.snapshotBeforeCutover ?? true) : m.backup.snapshotTarget;
      if (!snapshots) return [];
      const [create, read, kind] = instance !== undefined ? ['rds:CreateDBSnapshot', 'rds:DescribeDBSnapshots', 'snapshot'] : ['rds:CreateDBClusterSnapshot', 'rds:DescribeDBClusterSnapshots', 'cluster-snapshot'];
      const mine = rds(`${kind}:ferry-${m.id}-*`);
      return [`${create} ${own}`, ...[create, read, 'rds:AddTagsToResource'].map((a) => `${a} ${mine}`)];
    }),
  );
}

/** `arn:<partition><rest>`, as the template spells an ARN built in the stack's partition. */
function inPartition(rest: string): string {
  return JSON.stringify({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]] });
}

/**
 * What a migration's switch needs: read and write exactly its parameter, secret or record (the
 * key of a customer-encrypted parameter or secret on `*`, conditioned to that service and that
 * parameter or secret, which `switchConditions` checks).
 */
function switchPermissions(s: MigrationConfig['switch']): string[] {
  const on = (actions: string[], resource: string) => actions.map((a) => `${a} ${resource}`);
  switch (s.strategy) {
    case 'ssm-parameter':
      return [
        ...on(['ssm:GetParameter', 'ssm:PutParameter'], inPartition(`:ssm:eu-west-1:123456789012:parameter${s.parameterName}`)),
        ...on(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'], '"*"'),
      ];
    case 'secrets-manager':
      return [...on(['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'], JSON.stringify(s.secretArn)), ...on(['kms:Decrypt', 'kms:GenerateDataKey'], '"*"')];
    case 'pgbouncer':
      return [
        ...on(['secretsmanager:GetSecretValue'], JSON.stringify(s.adminSecretArn)),
        ...on(['kms:Decrypt'], '"*"'),
        // Through the access point only (the condition, which the file system tests check).
        ...(s.fileSystem ? on(['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'], '"arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/*"') : []),
      ];
    case 'route53':
      return [
        ...on(['route53:ChangeResourceRecordSets', 'route53:ListResourceRecordSets'], inPartition(`:route53:::hostedzone/${s.hostedZoneId}`)),
        ...on(['route53:GetChange'], inPartition(':route53:::change/*')),
      ];
  }
}

/** A FerryStack for the fixture environment (changed by `change`), with the migrations it was given. */
function fixture(change?: (env: ReturnType<typeof validEnvironment>) => void) {
  const synthesized = ferryStack(change);
  return { ...synthesized, migrations: synthesized.config.migrations };
}

const NATIVE = () => fixture();

const SWITCHES = {
  route53: { strategy: 'route53', hostedZoneId: 'Z0123456789ABCDEFGHIJ', recordName: 'Items-DB.Internal.Example.com' },
  secret: { strategy: 'secrets-manager', secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:catalog-app-AbCdEf' },
  pgbouncer: {
    strategy: 'pgbouncer',
    host: 'pgbouncer.internal',
    database: 'billing',
    adminSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pgbouncer-admin-AbCdEf',
    databasesFile: '/mnt/pgbouncer/ferry-databases.ini',
    fileSystem: { accessPointArn: 'arn:aws:elasticfilesystem:eu-west-1:123456789012:access-point/fsap-0123456789abcdef0', mountPath: '/mnt/pgbouncer' },
  },
} as const;

/**
 * The fixture environment with one migration per engine (native, DMS Serverless, a DMS instance)
 * and per switch strategy (SSM parameter, Route 53, Secrets Manager, PgBouncer).
 */
const ALL_ENGINES = () =>
  fixture((env) => {
    const base = env.migrations[0]!;
    const secrets = (name: string) => ({
      source: { ...base.source, secretArn: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-source-AbCdEf` },
      target: { ...base.target, secretArn: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-target-AbCdEf` },
    });
    env.migrations.push(
      { ...base, id: 'order-items', ...secrets('items'), replication: { engine: 'dms-serverless' }, switch: SWITCHES.route53 },
      {
        ...base,
        id: 'catalog',
        source: { ...secrets('catalog').source, rdsInstanceId: 'catalog-db' },
        target: { ...secrets('catalog').target, rdsClusterId: 'catalog-aurora' },
        replication: { engine: 'dms-instance' },
        switch: SWITCHES.secret,
        backup: { snapshotTarget: true },
      },
      { ...base, id: 'billing', ...secrets('billing'), replication: { engine: 'native' }, switch: SWITCHES.pgbouncer },
    );
  });

// ---------------------------------------------------------------------------------------------
// Fixtures for the construct on its own

const tmpDirs: string[] = [];
afterAll(() => {
  for (const dir of tmpDirs) rmSync(dir, { recursive: true, force: true });
});

/** A folder of workflow definitions: file name (without .asl.json) -> definition. */
function definitionsDir(files: Record<string, unknown>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ferry-asl-'));
  tmpDirs.push(dir);
  for (const [name, definition] of Object.entries(files)) {
    writeFileSync(path.join(dir, `${name}.asl.json`), typeof definition === 'string' ? definition : JSON.stringify(definition, null, 2));
  }
  return dir;
}

/** A two-step workflow: acquire the lock, record a phase. */
function smallWorkflow(extra: Record<string, unknown> = {}) {
  return {
    StartAt: 'Lock',
    TimeoutSeconds: 600,
    States: {
      Lock: { Type: 'Task', Resource: '${LockFunctionArn}', Next: 'Phase' },
      Phase: { Type: 'Task', Resource: '${SetPhaseFunctionArn}', End: true },
    },
    ...extra,
  };
}

/** Workflows in an empty stack, with a table key, a topic key and a logs key of their own. */
function standalone(props: Partial<WorkflowsProps> = {}) {
  return synthesize((stack) => {
    const tableKey = new kms.Key(stack, 'TableKey', { enableKeyRotation: true });
    const topicKey = new kms.Key(stack, 'TopicKey', { enableKeyRotation: true });
    const logsKey = new kms.Key(stack, 'LogsKey', { enableKeyRotation: true });
    const checkpoints = new CheckpointTable(stack, 'Checkpoints', { encryptionKey: tableKey }).table;
    const topic = new sns.Topic(stack, 'Topic', { masterKey: topicKey, enforceSSL: true });
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['eu-west-1a', 'eu-west-1b'] });
    const subnets = ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'].map((subnetId, i) =>
      ec2.Subnet.fromSubnetAttributes(stack, `Subnet${i}`, { subnetId, availabilityZone: `eu-west-1${'ab'[i]}` }),
    );
    const securityGroups = [ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-0123456789abcdef0', { mutable: false })];
    const migrations = parseEnvironments({ test: validEnvironment() }).test!.migrations;
    const workflows = new Workflows(stack, 'Workflows', {
      migrations,
      checkpoints,
      topic,
      logsKey,
      vpc,
      subnets,
      securityGroups,
      namePrefix: 'Test',
      ...props,
    });
    return { workflows, tableKey, topicKey, logsKey, checkpoints, topic };
  });
}

// ---------------------------------------------------------------------------------------------

describe('Workflows: the step functions', () => {
  it('makes one function per registered step, on a current Node.js runtime, arm64, traced, sized as registered', () => {
    // GIVEN the fixture environment
    // WHEN
    const { template } = NATIVE();
    // THEN
    template.resourceCountIs('AWS::Lambda::Function', STEP_FUNCTIONS.length);
    for (const spec of STEP_FUNCTIONS) {
      const fn = functionNamed(template, `Ferry-test-${spec.step}`).props;
      expect(fn.Runtime, spec.step).toMatch(/^nodejs(2[2-9]|[3-9]\d)\.x$/);
      expect(fn).toMatchObject({
        Handler: 'index.handler',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Timeout: spec.timeoutSeconds,
        MemorySize: spec.memoryMb,
      });
    }
  });

  it('registers every step with a handler file and a placeholder named after it', () => {
    // GIVEN the step registry
    // WHEN each step is looked up under lambdas/
    // THEN it has a handler, and its placeholder is its name in PascalCase
    for (const spec of STEP_FUNCTIONS) {
      expect(readdirSync(path.join(LAMBDAS_DIR, spec.step)), spec.step).toContain('handler.ts');
      const pascal = spec.step.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());
      expect(spec.placeholder).toBe(`${pascal}FunctionArn`);
    }
  });

  it('runs every function in the configured subnets with the configured security groups', () => {
    // GIVEN the fixture's network
    const network = validEnvironment().network;
    // WHEN
    const { template } = NATIVE();
    // THEN
    for (const spec of STEP_FUNCTIONS) {
      expect(functionNamed(template, `Ferry-test-${spec.step}`).props.VpcConfig).toEqual({
        SubnetIds: network.subnetIds,
        SecurityGroupIds: network.securityGroupIds,
      });
    }
    // and creates no security group of its own, nor rules on the imported ones
    template.resourceCountIs('AWS::EC2::SecurityGroup', 0);
    template.resourceCountIs('AWS::EC2::SecurityGroupEgress', 0);
  });

  it('gives every function the configuration it reads, with secret ARNs but no secret values', () => {
    // GIVEN the fixture environment
    // WHEN
    const { stack, template, ref } = NATIVE();
    for (const spec of STEP_FUNCTIONS) {
      const env = functionNamed(template, `Ferry-test-${spec.step}`).props.Environment.Variables;
      // THEN the runtime finds the migration in FERRY_MIGRATIONS, as configured
      const migration = loadMigration('orders', { FERRY_MIGRATIONS: env.FERRY_MIGRATIONS });
      expect(migration.source.secretArn).toBe('arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-source-AbCdEf');
      expect(JSON.stringify(decodeMigrations(env.FERRY_MIGRATIONS))).not.toMatch(/password|passwd|"username"/i);
      expect(env).toMatchObject({
        FERRY_TABLE_NAME: ref(stack.checkpoints.table.tableName),
        FERRY_TOPIC_ARN: ref(stack.notifications.topic.topicArn),
        FERRY_DMS: '{}',
        NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'ferry',
        POWERTOOLS_METRICS_NAMESPACE: 'Ferry',
      });
    }
  });

  it('puts the deployed DMS ARNs in FERRY_DMS in the form the DMS adapter parses', () => {
    // GIVEN a serverless and an instance migration
    const { stack, template, ref } = ALL_ENGINES();
    const value = functionNamed(template, 'Ferry-test-start-replication').props.Environment.Variables.FERRY_DMS;
    // WHEN CloudFormation resolves the references (here: to ARNs named after the resources)
    const resolved = resolveJoin(value);
    // THEN
    const resources = DmsResourcesSchema.parse(JSON.parse(resolved));
    expect(Object.keys(resources).sort()).toEqual(['catalog', 'order-items']);
    expect(resources['order-items']).toEqual({
      kind: 'serverless',
      forwardArn: fakeArn(ref(stack.dmsReplications['order-items']!.resource.forwardArn)),
      reverseArn: fakeArn(ref(stack.dmsReplications['order-items']!.resource.reverseArn)),
    });
    expect(resources.catalog!.kind).toBe('instance');
  });

  it('logs each function to its own log group, encrypted with the stack key, retained with the data', () => {
    // GIVEN an environment that retains stateful resources
    // WHEN
    const { stack, template, ref } = fixture((env) => (env.retainStatefulResources = true));
    // THEN
    for (const spec of STEP_FUNCTIONS) {
      const fn = functionNamed(template, `Ferry-test-${spec.step}`).props;
      const logGroup = template.toJSON().Resources[fn.LoggingConfig.LogGroup.Ref];
      expect(logGroup).toMatchObject({
        Type: 'AWS::Logs::LogGroup',
        DeletionPolicy: 'Retain',
        Properties: {
          LogGroupName: `/aws/lambda/Ferry-test-${spec.step}`,
          KmsKeyId: ref(stack.encryptionKey.key.keyArn),
          RetentionInDays: 365,
        },
      });
    }
  });

  it('gives each function exactly the permissions its registered needs name, and no managed policy', () => {
    // GIVEN one migration per engine, so that every kind of DMS grant is made
    // WHEN
    const { stack, template, migrations } = ALL_ENGINES();
    for (const spec of STEP_FUNCTIONS) {
      const name = `Ferry-test-${spec.step}`;
      // THEN
      const expected = [...new Set([...baseline(template, name), ...onFailureDestination(stack, spec.step), ...expectedFor(stack, migrations, spec.needs)])].sort();
      expect(functionPermissions(template, name), spec.step).toEqual(expected);
      const roleId = functionNamed(template, name).props.Role['Fn::GetAtt'][0];
      expect(template.toJSON().Resources[roleId].Properties.ManagedPolicyArns, spec.step).toBeUndefined();
    }
  });

  it('keeps writes, secrets, DMS and SNS away from the steps that do not use them', () => {
    // GIVEN one migration per engine
    // WHEN
    const { stack, template, ref } = ALL_ENGINES();
    const permissions = (step: string) => functionPermissions(template, `Ferry-test-${step}`).join('\n');
    // THEN list-tables only reads the databases
    expect(permissions('list-tables')).not.toMatch(/dynamodb:|dms:|sns:/);
    // start-replication starts exactly the deployed replications, and nothing else by ARN
    const dmsArns = Object.values(stack.dmsReplications).flatMap((r) => [r.resource.forwardArn, r.resource.reverseArn].map((a) => JSON.stringify(ref(a))));
    const starts = functionPermissions(template, 'Ferry-test-start-replication').filter((p) => /^dms:Start/.test(p));
    expect(starts.map((p) => p.slice(p.indexOf(' ') + 1)).sort()).toEqual([...dmsArns].sort());
    expect(permissions('replication-status')).not.toMatch(/dms:Start|dms:Stop/);
    // only the steps that notify may publish
    for (const spec of STEP_FUNCTIONS) {
      expect(permissions(spec.step).includes('sns:Publish'), spec.step).toBe(spec.needs.includes('notify'));
    }
  });

  it('grants no DMS or CloudWatch permission in an environment without DMS migrations', () => {
    // GIVEN only a native migration
    // WHEN
    const { template } = NATIVE();
    // THEN
    for (const spec of STEP_FUNCTIONS) {
      expect(functionPermissions(template, `Ferry-test-${spec.step}`).join('\n'), spec.step).not.toMatch(/dms:|cloudwatch:/);
    }
  });

  it('uses the table key for checkpoints and the topic key for notifications, read-only where the need is', () => {
    // GIVEN separate keys, and a registry with a read-only and a stopping step
    const dms = { orders: { kind: 'instance' as const, forwardArn: 'arn:aws:dms:eu-west-1:123456789012:task:FORWARD', reverseArn: 'arn:aws:dms:eu-west-1:123456789012:task:REVERSE' } };
    const steps = [
      { step: 'compare', placeholder: 'CompareFunctionArn', description: 'reads', timeoutSeconds: 60, memoryMb: 256, needs: ['checkpoints-read', 'dms-stop'] as StepNeed[] },
      { step: 'lock', placeholder: 'LockFunctionArn', description: 'x', timeoutSeconds: 60, memoryMb: 256, needs: [] as StepNeed[] },
      { step: 'set-phase', placeholder: 'SetPhaseFunctionArn', description: 'x', timeoutSeconds: 60, memoryMb: 256, needs: ['notify'] as StepNeed[] },
      STEP_FUNCTIONS.find((s) => s.step === 'execution-ended')!,
    ];
    // WHEN
    const { template: t, tableKey, topicKey, checkpoints, topic, ref: resolve } = standalone({ steps, dmsResources: dms, definitionsDir: definitionsDir({ small: smallWorkflow() }) });
    // THEN
    const ref = (v: unknown) => JSON.stringify(resolve(v));
    const reader = functionPermissions(t, 'Test-compare');
    expect(reader.filter((p) => /^(dynamodb|kms|dms):/.test(p))).toEqual(
      [
        `dms:StopReplicationTask "arn:aws:dms:eu-west-1:123456789012:task:FORWARD"`,
        `dms:StopReplicationTask "arn:aws:dms:eu-west-1:123456789012:task:REVERSE"`,
        `dynamodb:GetItem ${ref(checkpoints.tableArn)}`,
        `dynamodb:Query ${ref(checkpoints.tableArn)}`,
        `kms:Decrypt ${ref(tableKey.keyArn)}`,
        `kms:DescribeKey ${ref(tableKey.keyArn)}`,
      ].sort(),
    );
    expect(functionPermissions(t, 'Test-set-phase').filter((p) => /^(sns|kms):/.test(p))).toEqual(
      [`kms:Decrypt ${ref(topicKey.keyArn)}`, `kms:GenerateDataKey ${ref(topicKey.keyArn)}`, `sns:Publish ${ref(topic.topicArn)}`].sort(),
    );
    expect(functionPermissions(t, 'Test-lock').filter((p) => !/^(logs|ec2|xray):/.test(p))).toEqual([]);
  });
});

describe('Workflows: the state machines', () => {
  it('deploys one standard state machine per definition file, named after the environment', () => {
    // GIVEN the definition files in statemachines/
    const names = workflowNames(STATEMACHINES_DIR);
    expect(names).toContain('migrate');
    // WHEN
    const { template } = NATIVE();
    // THEN
    template.resourceCountIs('AWS::StepFunctions::StateMachine', names.length);
    for (const name of names) {
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineName: `Ferry-test-${name}`, StateMachineType: 'STANDARD' });
    }
  });

  it('logs every event with execution data to a log group encrypted with the stack key, and traces with X-Ray', () => {
    // GIVEN the migrate workflow
    // WHEN
    const { stack, template, ref } = NATIVE();
    // THEN
    const machine = stateMachineNamed(template, 'Ferry-test-migrate');
    expect(machine.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: true });
    expect(machine.TracingConfiguration).toEqual({ Enabled: true });
    const logGroupId = machine.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0];
    expect(template.toJSON().Resources[logGroupId].Properties).toMatchObject({
      LogGroupName: '/aws/vendedlogs/states/Ferry-test-migrate',
      KmsKeyId: ref(stack.encryptionKey.key.keyArn),
      RetentionInDays: 365,
    });
  });

  it('substitutes every placeholder of each definition with the ARN of its step function', () => {
    // GIVEN the definitions
    // WHEN they are deployed
    const { template } = NATIVE();
    for (const name of workflowNames(STATEMACHINES_DIR)) {
      const definition = readDefinition(STATEMACHINES_DIR, name);
      const machine = stateMachineNamed(template, `Ferry-test-${name}`);
      // THEN
      expect(machine.DefinitionS3Location, name).toBeDefined();
      expect(Object.keys(machine.DefinitionSubstitutions).sort(), name).toEqual(definition.placeholders);
      for (const placeholder of definition.placeholders) {
        expect(machine.DefinitionSubstitutions[placeholder], `${name}: ${placeholder}`).toEqual({ 'Fn::GetAtt': [functionFor(template, placeholder), 'Arn'] });
      }
    }
  });

  it('has an overall timeout: the definition file sets TimeoutSeconds', () => {
    // GIVEN the definition files in statemachines/
    for (const name of workflowNames(STATEMACHINES_DIR)) {
      // WHEN each is read
      const { timeoutSeconds } = readDefinition(STATEMACHINES_DIR, name);
      // THEN
      expect(timeoutSeconds, name).toBeGreaterThan(0);
    }
  });

  it('lets each state machine invoke exactly the functions its file references', () => {
    // GIVEN the deployed workflows
    const { template } = NATIVE();
    for (const name of workflowNames(STATEMACHINES_DIR)) {
      const machine = stateMachineNamed(template, `Ferry-test-${name}`);
      // WHEN its role's invoke permissions are read
      const invokes = permissionsOf(roleStatements(template, machine.RoleArn['Fn::GetAtt'][0])).filter((p) => p.startsWith('lambda:'));
      // THEN
      const expected = readDefinition(STATEMACHINES_DIR, name).placeholders.map(
        (placeholder) => `lambda:InvokeFunction ${JSON.stringify({ 'Fn::GetAtt': [functionFor(template, placeholder), 'Arn'] })}`,
      );
      expect(invokes, name).toEqual(expected.sort());
    }
  });

  it('deploys a workflow for each file added, invoking only what that file calls', () => {
    // GIVEN a second, smaller definition next to migrate
    const dir = definitionsDir({ migrate: readFileSync(path.join(STATEMACHINES_DIR, 'migrate.asl.json'), 'utf8'), small: smallWorkflow() });
    // WHEN
    const { workflows, template: t } = standalone({ definitionsDir: dir });
    // THEN
    expect(Object.keys(workflows.workflows).sort()).toEqual(['migrate', 'small']);
    expect(workflows.workflows.small!.steps).toEqual(['lock', 'set-phase']);
    const small = stateMachineNamed(t, 'Test-small');
    expect(Object.keys(small.DefinitionSubstitutions)).toEqual(['LockFunctionArn', 'SetPhaseFunctionArn']);
    const invokes = permissionsOf(roleStatements(t, small.RoleArn['Fn::GetAtt'][0])).filter((p) => p.startsWith('lambda:'));
    expect(invokes).toEqual(
      [functionNamed(t, 'Test-lock').id, functionNamed(t, 'Test-set-phase').id].map((id) => `lambda:InvokeFunction ${JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] })}`).sort(),
    );
  });

  it('refuses, naming the file, a placeholder that no step function provides', () => {
    // GIVEN a definition that calls an unlock step, which the registry does not have
    const dir = definitionsDir({
      broken: smallWorkflow({ States: { Lock: { Type: 'Task', Resource: '${UnlockFunctionArn}', End: true } }, StartAt: 'Lock' }),
    });
    // WHEN / THEN synth fails, naming the file and the steps there are
    expect(() => standalone({ definitionsDir: dir })).toThrow(
      `${path.basename(dir)}/broken.asl.json uses \${UnlockFunctionArn}, which no step function provides ` +
        `(add the step to lib/constructs/workflows/steps.ts; known: ${STEP_FUNCTIONS.map((s) => s.placeholder).sort().join(', ')})`,
    );
  });

  it('refuses a definition without an overall timeout', () => {
    // GIVEN a definition without TimeoutSeconds
    const withoutTimeout = smallWorkflow();
    delete (withoutTimeout as Record<string, unknown>).TimeoutSeconds;
    const dir = definitionsDir({ endless: withoutTimeout });
    // WHEN / THEN synth fails, naming the file
    expect(() => standalone({ definitionsDir: dir })).toThrow(
      `${path.basename(dir)}/endless.asl.json: TimeoutSeconds must be a whole number of seconds from 1 to 31536000 (one year): every workflow needs an overall timeout, got none`,
    );
  });

  it('refuses a folder without definitions', () => {
    // GIVEN an empty folder
    const dir = definitionsDir({});
    // WHEN / THEN synth fails, naming it
    expect(() => standalone({ definitionsDir: dir })).toThrow(`Workflows: no workflow definitions (*.asl.json) in ${dir}`);
  });

  // Distinct host names and secrets, as real migrations have: they compress far less than copies.
  const distinctMigrations = (count: number) => {
    const base = validEnvironment().migrations[0]!;
    const noise = (i: number, side: string) => createHash('sha256').update(`${side}${i}`).digest('hex').slice(0, 20);
    return parseEnvironments({
      test: {
        ...validEnvironment(),
        migrations: Array.from({ length: count }, (_, i) => ({
          ...base,
          id: `migration-${i}`,
          source: { ...base.source, host: `${noise(i, 's')}.example.com`, secretArn: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${noise(i, 'ss')}-AbCdEf` },
          target: { ...base.target, host: `${noise(i, 't')}.example.com`, secretArn: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${noise(i, 'ts')}-AbCdEf` },
        })),
      },
    }).test!.migrations;
  };

  it('fits ten distinct migrations in the functions’ environment variables, compressed', () => {
    // GIVEN ten migrations with distinct hosts and secrets
    // WHEN / THEN they fit
    expect(() => standalone({ migrations: distinctMigrations(10) })).not.toThrow();
  });

  it('refuses an environment whose configuration would not fit in the functions’ environment variables', () => {
    // GIVEN more migrations than 4 KB can hold even compressed
    const many = distinctMigrations(60);
    // WHEN / THEN synth fails, saying how large the environment would be
    expect(() => standalone({ migrations: many })).toThrow(/^Workflows: the functions' environment would take about \d+ bytes, over Lambda's limit of 4096: FERRY_MIGRATIONS holds all 60 migrations/);
  });
});

describe('Workflows: stopped executions', () => {
  it('sends aborted, timed-out and failed executions of its state machines to the execution-ended step', () => {
    // GIVEN the fixture environment
    // WHEN
    const { template } = NATIVE();
    // THEN
    const machines = Object.keys(template.findResources('AWS::StepFunctions::StateMachine')).map((id) => ({ Ref: id }));
    const executionEnded = functionNamed(template, 'Ferry-test-execution-ended').id;
    // THEN
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: { status: ['ABORTED', 'TIMED_OUT', 'FAILED'], stateMachineArn: machines },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [executionEnded, 'Arn'] } })],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [executionEnded, 'Arn'] },
    });
  });
});

describe('Workflows: the stack outputs', () => {
  it('outputs each state machine ARN and its console link', () => {
    // GIVEN the fixture environment
    // WHEN
    const { template } = NATIVE();
    // THEN
    const machine = Object.keys(template.findResources('AWS::StepFunctions::StateMachine', { Properties: { StateMachineName: 'Ferry-test-migrate' } }))[0]!;
    template.hasOutput('MigrateStateMachineArn', { Value: { Ref: machine } });
    template.hasOutput('MigrateConsoleUrl', {
      Value: { 'Fn::Join': ['', ['https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/statemachines/view/', { Ref: machine }]] },
    });
  });
});

describe('Workflows: the switch and the rollback', () => {
  /** Every statement of the function's role that names `action`. */
  const statementsWith = (template: Template, step: string, action: string) =>
    roleStatements(template, functionNamed(template, `Ferry-test-${step}`).props.Role['Fn::GetAtt'][0]).filter((s) => [s.Action].flat().includes(action));

  it('lets the switch change exactly the configured record, as a CNAME, by UPSERT', () => {
    // GIVEN a migration switched by a Route 53 record with capitals in its name
    // WHEN
    const { template } = ALL_ENGINES();
    // THEN
    expect(statementsWith(template, 'switch', 'route53:ChangeResourceRecordSets')).toEqual([
      {
        Effect: 'Allow',
        Action: 'route53:ChangeResourceRecordSets',
        Resource: JSON.parse(inPartition(':route53:::hostedzone/Z0123456789ABCDEFGHIJ')),
        Condition: {
          'ForAllValues:StringEquals': {
            'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['items-db.internal.example.com'],
            'route53:ChangeResourceRecordSetsRecordTypes': ['CNAME'],
            'route53:ChangeResourceRecordSetsActions': ['UPSERT'],
          },
        },
      },
    ]);
  });

  it("uses a parameter's or secret's key only through its service and only for that parameter or secret", () => {
    // GIVEN an SSM parameter, a Secrets Manager and a PgBouncer switch
    // WHEN
    const { template } = ALL_ENGINES();
    // THEN
    const keyStatements = statementsWith(template, 'switch', 'kms:Decrypt').filter((s) => s.Resource === '*');
    expect(keyStatements).toEqual(
      expect.arrayContaining([
        {
          Effect: 'Allow',
          Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
          Resource: '*',
          Condition: {
            StringEquals: {
              'kms:ViaService': 'ssm.eu-west-1.amazonaws.com',
              'kms:EncryptionContext:PARAMETER_ARN': JSON.parse(inPartition(':ssm:eu-west-1:123456789012:parameter/orders/db-endpoint')),
            },
          },
        },
        {
          Effect: 'Allow',
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Resource: '*',
          Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com', 'kms:EncryptionContext:SecretARN': SWITCHES.secret.secretArn } },
        },
        {
          Effect: 'Allow',
          Action: 'kms:Decrypt',
          Resource: '*',
          Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com', 'kms:EncryptionContext:SecretARN': SWITCHES.pgbouncer.adminSecretArn } },
        },
      ]),
    );
    expect(keyStatements).toHaveLength(3);
  });

  it('gives only the steps that start a rollback its state machine ARN, without referencing the state machine', () => {
    // GIVEN the fixture environment, with its rollback workflow
    // WHEN
    const { stack, template, ref } = NATIVE();
    const rollbackId = ref(stack.workflows.workflows.rollback!.stateMachineArn).Ref;
    // THEN the variable names the deployed rollback state machine
    expect(template.toJSON().Resources[rollbackId].Properties.StateMachineName).toBe('Ferry-test-rollback');
    for (const spec of STEP_FUNCTIONS) {
      const fn = functionNamed(template, `Ferry-test-${spec.step}`).props;
      const value = fn.Environment.Variables[ROLLBACK_STATE_MACHINE_ARN_ENV];
      if (spec.needs.includes('start-rollback')) {
        expect(JSON.stringify(value), spec.step).toBe(inPartition(':states:eu-west-1:123456789012:stateMachine:Ferry-test-rollback'));
      } else {
        expect(value, spec.step).toBeUndefined();
      }
      // and no function refers to it: it refers to them, which would make a cycle
      expect(JSON.stringify(fn), spec.step).not.toContain(JSON.stringify({ Ref: rollbackId }));
    }
    expect(STEP_FUNCTIONS.some((s) => s.needs.includes('start-rollback'))).toBe(true);
  });

  it('grants no start of a rollback when no rollback workflow is deployed', () => {
    // GIVEN only a small workflow
    // WHEN
    const { template: t } = standalone({ definitionsDir: definitionsDir({ small: smallWorkflow() }) });
    // THEN
    const executionEnded = functionNamed(t, 'Test-execution-ended').props;
    expect(executionEnded.Environment.Variables[ROLLBACK_STATE_MACHINE_ARN_ENV]).toBeUndefined();
    expect(functionPermissions(t, 'Test-execution-ended').filter((p) => p.startsWith('states:'))).toEqual([]);
  });

  it('has no unacknowledged cdk-nag finding with every switch strategy', () => {
    // GIVEN one migration per switch strategy
    // WHEN
    const { stack } = ALL_ENGINES();
    // THEN
    expect(nagFindings(stack)).toEqual([]);
  });
});

describe("Workflows: the PgBouncer switch's file system", () => {
  const ACCESS_POINT = SWITCHES.pgbouncer.fileSystem.accessPointArn;

  /** The fixture environment with its one migration switched through PgBouncer, `fileSystem` as given (none when undefined). */
  const pgbouncerOnly = (fileSystem?: unknown, databasesFile = '/mnt/pgbouncer/orders.ini') =>
    fixture((env) => {
      const { fileSystem: _, ...withoutFileSystem } = SWITCHES.pgbouncer;
      env.migrations[0]!.switch = { ...withoutFileSystem, databasesFile, ...(fileSystem === undefined ? {} : { fileSystem }) } as never;
    });

  it('mounts the access point at its mountPath in every function that switches or reads the switch, and in no other', () => {
    // GIVEN one migration per switch strategy, PgBouncer's with a file system
    // WHEN
    const { template } = ALL_ENGINES();
    // THEN
    const switching = STEP_FUNCTIONS.filter((s) => s.needs.includes('switch') || s.needs.includes('switch-read')).map((s) => s.step);
    expect(switching.sort()).toEqual(['back-out', 'finish', 'guardrails', 'rollback-plan', 'switch']);
    for (const spec of STEP_FUNCTIONS) {
      const fn = functionNamed(template, `Ferry-test-${spec.step}`).props;
      expect(fn.FileSystemConfigs, spec.step).toEqual(switching.includes(spec.step) ? [{ Arn: ACCESS_POINT, LocalMountPath: '/mnt/pgbouncer' }] : undefined);
    }
  });

  it('lets a switching function mount and write the file system only through that access point, never as root', () => {
    // GIVEN a PgBouncer switch with a file system
    // WHEN
    const { template } = ALL_ENGINES();
    for (const step of ['switch', 'back-out', 'rollback-plan', 'finish']) {
      // THEN
      const efsStatements = roleStatements(template, functionNamed(template, `Ferry-test-${step}`).props.Role['Fn::GetAtt'][0]).filter((s) =>
        JSON.stringify(s.Action).includes('elasticfilesystem:'),
      );
      expect(efsStatements, step).toEqual([
        {
          Effect: 'Allow',
          Action: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'],
          Resource: 'arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/*',
          Condition: { StringEquals: { 'elasticfilesystem:AccessPointArn': ACCESS_POINT } },
        },
      ]);
    }
    // and no security group gets a rule: the operator's groups are imported as they are
    expect(Object.keys(template.findResources('AWS::EC2::SecurityGroupIngress'))).toEqual([]);
    expect(Object.keys(template.findResources('AWS::EC2::SecurityGroupEgress'))).toEqual([]);
  });

  it('mounts nothing when no migration switches through PgBouncer', () => {
    // GIVEN only an SSM parameter switch
    // WHEN
    const { template } = NATIVE();
    // THEN
    for (const spec of STEP_FUNCTIONS) {
      expect(functionNamed(template, `Ferry-test-${spec.step}`).props.FileSystemConfigs, spec.step).toBeUndefined();
    }
  });

  it('refuses a PgBouncer switch without a file system, saying why and what to add', () => {
    // GIVEN a PgBouncer switch whose databasesFile is on the local disk (fine for the local runtime)
    // WHEN / THEN synth fails, saying why and what to add
    expect(() => pgbouncerOnly(undefined, '/etc/pgbouncer/ferry-databases.ini')).toThrow(
      "Workflows: migration 'orders' switches through PgBouncer without switch.fileSystem. The switch functions must write its databasesFile " +
        '(/etc/pgbouncer/ferry-databases.ini) and Lambda has no writable persistent disk: add switch.fileSystem with an EFS access point that the PgBouncer host also mounts, ' +
        '{ "accessPointArn": "arn:aws:elasticfilesystem:<region>:<account>:access-point/fsap-...", "mountPath": "/mnt/pgbouncer" }, and put databasesFile under its mountPath.',
    );
  });

  it('mounts one access point once for several migrations, and refuses two different ones (a function mounts one file system)', () => {
    // GIVEN two PgBouncer migrations on one access point, each with its own file
    const twoMigrations = (second: { accessPointArn: string; mountPath: string }) =>
      fixture((env) => {
        const base = env.migrations[0]!;
        env.migrations[0] = { ...base, switch: { ...SWITCHES.pgbouncer, databasesFile: '/mnt/pgbouncer/orders.ini' } };
        env.migrations.push({
          ...base,
          id: 'billing',
          source: { ...base.source, database: 'billing' },
          target: { ...base.target, database: 'billing' },
          switch: { ...SWITCHES.pgbouncer, databasesFile: `${second.mountPath}/billing.ini`, fileSystem: second },
        });
      });
    // WHEN
    const { template } = twoMigrations(SWITCHES.pgbouncer.fileSystem);
    // THEN
    expect(functionNamed(template, 'Ferry-test-switch').props.FileSystemConfigs).toEqual([{ Arn: ACCESS_POINT, LocalMountPath: '/mnt/pgbouncer' }]);
    const other = 'arn:aws:elasticfilesystem:eu-west-1:123456789012:access-point/fsap-0fedcba9876543210';
    expect(() => twoMigrations({ accessPointArn: other, mountPath: '/mnt/pgbouncer' })).toThrow(
      `Workflows: the PgBouncer switches of this environment name different file systems ('orders': ${ACCESS_POINT} at /mnt/pgbouncer; 'billing': ${other} at /mnt/pgbouncer), ` +
        'but a Lambda function mounts at most one, and one switch function serves every migration of the environment. ' +
        'Give them the same switch.fileSystem (one access point and mountPath, a databasesFile each), or put them in different environments.',
    );
    expect(() => twoMigrations({ accessPointArn: ACCESS_POINT, mountPath: '/mnt/billing' })).toThrow(/name different file systems .* at \/mnt\/billing\)/);
  });
});

describe('Workflows: the grants match the code', () => {
  it('grants exactly the DynamoDB, DMS, CloudWatch, SNS, SSM, Secrets Manager, Route 53, Step Functions and EventBridge Scheduler actions that the runtime code calls', () => {
    // GIVEN every SDK command imported anywhere under lambdas/
    const used = sdkActionsUsed();
    // WHEN every engine and every switch strategy is deployed
    const { template } = ALL_ENGINES();
    const granted = new Set(
      STEP_FUNCTIONS.flatMap((spec) => functionPermissions(template, `Ferry-test-${spec.step}`).map((p) => p.slice(0, p.indexOf(' ')))),
    );
    // THEN each used action is granted to some step, and each granted action of these services is used
    for (const prefix of ['dynamodb:', 'dms:', 'cloudwatch:', 'sns:', 'ssm:', 'secretsmanager:', 'route53:', 'states:', 'scheduler:', 'rds:']) {
      const grantedHere = [...granted].filter((a) => a.startsWith(prefix)).sort();
      const usedHere = [...used].filter((a) => a.startsWith(prefix)).sort();
      expect(grantedHere, prefix).toEqual(usedHere);
    }
  });
});

// ---------------------------------------------------------------------------------------------

/** The logical id of the function that provides a placeholder. */
function functionFor(template: Template, placeholder: string): string {
  const spec = STEP_FUNCTIONS.find((s) => s.placeholder === placeholder);
  expect(spec, placeholder).toBeDefined();
  return functionNamed(template, `Ferry-test-${spec!.step}`).id;
}

function stateMachineNamed(template: Template, name: string): Json {
  const found = Object.values(template.findResources('AWS::StepFunctions::StateMachine', { Properties: { StateMachineName: name } }));
  expect(found, name).toHaveLength(1);
  return found[0]!.Properties;
}

/** An ARN for a reference to a DMS resource, as CloudFormation would resolve it (named after the resource). */
function fakeArn(reference: Json): string {
  if (reference.Ref) return `arn:aws:dms:eu-west-1:123456789012:task:${reference.Ref}`;
  return `arn:aws:dms:eu-west-1:123456789012:replication-config:${reference['Fn::GetAtt'][0]}`;
}

/** Resolves an Fn::Join of strings and DMS references. */
function resolveJoin(value: Json): string {
  if (typeof value === 'string') return value;
  const [separator, parts] = value['Fn::Join'];
  return parts.map((part: Json) => (typeof part === 'string' ? part : fakeArn(part))).join(separator);
}

/**
 * The IAM actions of the SDK commands imported under lambdas/ (DynamoDB, DMS, CloudWatch, SNS,
 * SSM, Secrets Manager, Route 53, Step Functions), and of Powertools' getSecret.
 */
function sdkActionsUsed(): Set<string> {
  const services: Record<string, (command: string) => string> = {
    '@aws-sdk/lib-dynamodb': (c) => `dynamodb:${DOCUMENT_CLIENT_ACTIONS[c] ?? unknownCommand(c)}`,
    '@aws-sdk/client-dynamodb': (c) => `dynamodb:${c}`,
    '@aws-sdk/client-database-migration-service': (c) => `dms:${c}`,
    '@aws-sdk/client-cloudwatch': (c) => `cloudwatch:${c}`,
    '@aws-sdk/client-sns': (c) => `sns:${c}`,
    '@aws-sdk/client-ssm': (c) => `ssm:${c}`,
    '@aws-sdk/client-secrets-manager': (c) => `secretsmanager:${c}`,
    '@aws-sdk/client-route-53': (c) => `route53:${c}`,
    '@aws-sdk/client-sfn': (c) => `states:${c}`,
    '@aws-sdk/client-scheduler': (c) => `scheduler:${c}`,
    '@aws-sdk/client-rds': (c) => `rds:${c}`,
  };
  const actions = new Set<string>();
  for (const file of typescriptFiles(LAMBDAS_DIR)) {
    const text = readFileSync(file, 'utf8');
    // The database secrets are read with Powertools, which calls GetSecretValue.
    if (/import\s*\{[^}]*\bgetSecret\b[^}]*\}\s*from\s*'@aws-lambda-powertools\/parameters\/secrets'/.test(text)) actions.add('secretsmanager:GetSecretValue');
    for (const match of text.matchAll(/import\s*(type\s*)?\{([^}]*)\}\s*from\s*'(@aws-sdk\/[a-z0-9-]+)'/g)) {
      const toAction = services[match[3]!];
      if (!toAction || match[1]) continue;
      for (const name of match[2]!.split(',').map((n) => n.trim().replace(/^type\s+/, ''))) {
        if (name.endsWith('Command') && !new RegExp(`\\btype\\s+${name}\\b`).test(match[2]!)) actions.add(toAction(name.slice(0, -'Command'.length)));
      }
    }
  }
  // RDS checks rds:AddTagsToResource as well when a create call carries Tags, as the snapshot calls do.
  if ([...actions].some((a) => /^rds:Create.*Snapshot$/.test(a))) actions.add('rds:AddTagsToResource');
  return actions;
}

const DOCUMENT_CLIENT_ACTIONS: Record<string, string> = {
  Get: 'GetItem',
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  Query: 'Query',
  Scan: 'Scan',
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
};

function unknownCommand(command: string): never {
  throw new Error(`no IAM action known for the document client's ${command}Command: add it to DOCUMENT_CLIENT_ACTIONS and to the checkpoint grants`);
}

function typescriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : typescriptFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

