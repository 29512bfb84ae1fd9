import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { beforeAll } from 'vitest';
import { WORKFLOW_NAMES, type WorkflowName } from '../../bin/cli/deployed/environment';
import { CheckpointStore } from '../../lambdas/shared/checkpoints';
import { FERRY_NAMESPACE, FERRY_SERVICE, METRICS } from '../../lambdas/shared/catalog/metrics';
import { pascalCase } from '../../lib/ids';
import { ROOT } from './cli';
import { useDynalite, type DynaliteFixture } from './dynalite';
import { MOTO_CREDENTIALS, useMoto, type MotoFixture } from './moto';

/** moto's account (MOTO_ACCOUNT_ID unset) and the region the fixture deploys to. */
export const MOTO_ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
/** Environments of the fixture's cdk.json: `dev` is deployed; `staging` is the same account with no stack; `prod` is another account. */
export const DEPLOYED_ENV = 'dev';
export const UNDEPLOYED_ENV = 'staging';
export const OTHER_ACCOUNT_ENV = 'prod';
export const OTHER_ACCOUNT = '222222222222';

export interface DeployedEnvFixture {
  readonly moto: MotoFixture;
  readonly dynamo: DynaliteFixture;
  /** A cdk.json with the three environments above, for `--cdk-json`. */
  readonly cdkJson: string;
  /** The checkpoint table in dynalite that the stack's CheckpointTableName output names. */
  readonly tableName: string;
  /** The state machines in moto, created by the stack from the real statemachines/*.asl.json. */
  readonly stateMachineArns: Readonly<Record<WorkflowName, string>>;
  /** A store over the table (no backoff delays), for writing what a deployed Ferry would have written. */
  store(now?: () => number): CheckpointStore;
  /** An SDK client on moto (Step Functions, CloudWatch, ...). */
  client<C>(make: new (config: ReturnType<MotoFixture['clientConfig']>) => C): C;
  /** The environment a command's io gets: credentials, region, moto as AWS and dynalite as DynamoDB. */
  ioEnv(extra?: Readonly<Record<string, string>>): Record<string, string>;
}

/**
 * A deployed `Ferry-dev` in moto plus dynalite, for the commands against AWS: one moto server and
 * one dynalite per test file; the stack (CloudFormation, with the five workflows' state machines
 * made from their real definitions and the outputs FerryStack declares) is created once, before
 * the file's first test.
 */
export function useDeployedEnvironment(): DeployedEnvFixture {
  const moto = useMoto(REGION);
  const dynamo = useDynalite();
  const cdkJson = path.join(mkdtempSync(path.join(tmpdir(), 'ferry-deployed-')), 'cdk.json');
  let tableName: string | undefined;
  let stateMachineArns: Record<WorkflowName, string> | undefined;

  beforeAll(async () => {
    writeFileSync(cdkJson, JSON.stringify(fixtureCdkJson()));
    tableName = await dynamo.newTable();
    const cloudformation = new CloudFormationClient(moto.clientConfig());
    await cloudformation.send(new CreateStackCommand({ StackName: `Ferry-${DEPLOYED_ENV}`, TemplateBody: JSON.stringify(stackTemplate(tableName)) }));
    cloudformation.destroy();
    stateMachineArns = Object.fromEntries(
      WORKFLOW_NAMES.map((w) => [w, `arn:aws:states:${REGION}:${MOTO_ACCOUNT}:stateMachine:Ferry-${DEPLOYED_ENV}-${w}`]),
    ) as Record<WorkflowName, string>;
  }, 30_000);

  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useDeployedEnvironment(): not deployed yet; use the fixture inside tests or hooks');
    return value;
  };
  return {
    moto,
    dynamo,
    cdkJson,
    get tableName() {
      return started(tableName);
    },
    get stateMachineArns() {
      return started(stateMachineArns);
    },
    store: (now) => new CheckpointStore({ client: dynamo.client, tableName: started(tableName), retry: { sleep: async () => undefined }, ...(now ? { now } : {}) }),
    client: (make) => new make(moto.clientConfig()),
    ioEnv: (extra = {}) => ({
      AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      ...extra,
    }),
  };
}

/** Writes the fixture's cdk.json (below) to a new temporary folder and returns its path: for tests that need no servers. */
export function writeFixtureCdkJson(): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'ferry-deployed-')), 'cdk.json');
  writeFileSync(file, JSON.stringify(fixtureCdkJson()));
  return file;
}

/** The repository's `dev` environment, moved to moto's account and the fixture's region, under three names. */
function fixtureCdkJson(): unknown {
  const repo = JSON.parse(readFileSync(path.join(ROOT, 'cdk.json'), 'utf8'));
  const dev = repo.context.environments.dev;
  const at = (account: string) => ({ ...dev, account, region: REGION });
  return { context: { environments: { [DEPLOYED_ENV]: at(MOTO_ACCOUNT), [UNDEPLOYED_ENV]: at(MOTO_ACCOUNT), [OTHER_ACCOUNT_ENV]: at(OTHER_ACCOUNT) } } };
}

/** The real definition of a workflow, its `${XxxFunctionArn}` placeholders filled with function ARNs of the stack. */
export function definitionOf(workflow: WorkflowName): string {
  const text = readFileSync(path.join(ROOT, 'statemachines', `${workflow}.asl.json`), 'utf8');
  return text.replace(/\$\{(\w+)FunctionArn\}/g, (_, step: string) => `arn:aws:lambda:${REGION}:${MOTO_ACCOUNT}:function:Ferry-${DEPLOYED_ENV}-${step}`);
}

/** A template with what the CLI reads of FerryStack: the state machines and the outputs, under their real names. */
function stackTemplate(tableName: string): unknown {
  const resources: Record<string, unknown> = {};
  const outputs: Record<string, unknown> = { CheckpointTableName: { Value: tableName } };
  for (const workflow of WORKFLOW_NAMES) {
    const id = `${pascalCase(workflow)}StateMachine`;
    resources[id] = {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: {
        StateMachineName: `Ferry-${DEPLOYED_ENV}-${workflow}`,
        RoleArn: `arn:aws:iam::${MOTO_ACCOUNT}:role/Ferry-${DEPLOYED_ENV}-${workflow}-role`,
        DefinitionString: definitionOf(workflow),
      },
    };
    outputs[`${pascalCase(workflow)}StateMachineArn`] = { Value: { Ref: id } };
    outputs[`${pascalCase(workflow)}ConsoleUrl`] = {
      Value: { 'Fn::Join': ['', [`https://${REGION}.console.aws.amazon.com/states/home?region=${REGION}#/statemachines/view/`, { Ref: id }]] },
    };
  }
  return { AWSTemplateFormatVersion: '2010-09-09', Resources: resources, Outputs: outputs };
}

export interface SeededMigration {
  readonly migrationId: string;
  /** The running migrate execution, which holds the lock. */
  readonly executionArn: string;
}

/**
 * What a deployed Ferry has written for migration `orders` an hour into its migrate run: phase
 * `ready` after `replicating`, the lock held by the running migrate execution, a preflight, a
 * comparison verdict, a drift check, a verification record, and a replication lag of 2 s in
 * CloudWatch.
 */
export async function seedOrdersMigration(fixture: DeployedEnvFixture, now: number = Date.now()): Promise<SeededMigration> {
  const migrationId = 'orders';
  const sfn = fixture.client(SFNClient);
  const started = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: fixture.stateMachineArns.migrate, name: `orders-migrate-${now}`, input: JSON.stringify({ migrationId }) }),
  );
  sfn.destroy();
  const executionArn = started.executionArn!;

  const hourAgo = now - 3_600_000;
  let clock = hourAgo;
  const store = fixture.store(() => clock);
  await store.ensureState(migrationId);
  const lease = await store.acquire(migrationId, executionArn, 4 * 3_600_000);
  const state = await store.getState(migrationId);
  clock += 60_000;
  const replicating = await store.transition(migrationId, { to: 'replicating', expectedVersion: state!.version, reason: 'migrate: replication started', lease });
  clock += 1_800_000;
  await store.putReport(migrationId, 'preflight', {
    engine: 'native',
    checks: [
      { id: 'wal-level', title: 'wal_level is logical', severity: 'ok', message: 'wal_level = logical on the source', objects: [], durationMs: 12 },
      { id: 'primary-keys', title: 'Every table has a key', severity: 'warning', message: '1 table has no primary key: it is compared as a multiset', objects: ['public.audit_log'], durationMs: 40 },
    ],
    blocking: [],
    waived: [],
    waivers: [],
    counts: { error: 0, warning: 1, info: 0, ok: 1 },
    passed: true,
    startedAt: new Date(hourAgo).toISOString(),
    durationMs: 310,
  });
  await store.putReport(migrationId, 'comparison-summary', {
    runId: 'run-1',
    equal: true,
    startedAt: new Date(hourAgo + 120_000).toISOString(),
    completedAt: new Date(clock).toISOString(),
    judgedAt: new Date(clock).toISOString(),
    tables: [{ table: { schema: 'public', name: 'orders' }, rounds: 1, complete: true, equal: true, rowsCompared: 1_200_000, differences: 0, startedAt: hourAgo + 120_000, finishedAt: clock }],
    rowsCompared: 1_200_000,
  });
  await store.putReport(migrationId, 'drift', {
    mode: 'source-target',
    differences: [{ kind: 'index-missing', object: 'index public.orders_total_idx', source: 'CREATE INDEX orders_total_idx ON public.orders (total)', target: null, severity: 'warning' }],
    counts: { schema: 1, data: 0, sequences: 0, byKind: { 'index-missing': 1 } },
    incomplete: [],
    fingerprint: 'f-1',
    phase: 'replicating',
    checkedAt: new Date(clock).toISOString(),
    changed: true,
  });
  clock += 60_000;
  await store.transition(migrationId, { to: 'ready', expectedVersion: replicating.version, reason: 'migrate: comparison equal, lag 2 s', lease });

  const verificationLease = await store.acquireVerificationLease(migrationId, 'verification-round', 60_000);
  if (!verificationLease.acquired) throw new Error('seedOrdersMigration: the verification lease was taken');
  await store.putVerification(
    {
      migrationId,
      captureId: 'capture-1',
      runId: 'run-1',
      status: 'capturing',
      startedAt: hourAgo + 60_000,
      slots: { source: { name: 'ferry_capture_source', startLsn: '0/16B3748' }, target: { name: 'ferry_capture_target', startLsn: '0/3000060' } },
      verifiedThrough: { source: '0/1A2B3C4', target: '0/30F0A10', at: clock },
      unresolved: [],
      tablesToCompare: [],
      rounds: 12,
    },
    verificationLease.lease,
  );

  const cloudwatch = fixture.client(CloudWatchClient);
  await cloudwatch.send(
    new PutMetricDataCommand({
      Namespace: FERRY_NAMESPACE,
      MetricData: [
        {
          MetricName: METRICS.replicationLagSeconds.name,
          Unit: METRICS.replicationLagSeconds.unit,
          Value: 2,
          Timestamp: new Date(now - 60_000),
          Dimensions: [
            { Name: 'migrationId', Value: migrationId },
            { Name: 'service', Value: FERRY_SERVICE },
          ],
        },
      ],
    }),
  );
  cloudwatch.destroy();
  return { migrationId, executionArn };
}
