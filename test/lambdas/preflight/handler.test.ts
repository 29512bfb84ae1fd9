import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { clearCaches } from '@aws-lambda-powertools/parameters';
import { mockClient } from 'aws-sdk-client-mock';
import pg from 'pg';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { handler as Handler } from '../../../lambdas/preflight/handler';
import type { PreflightReport } from '../../../lambdas/shared/preflight/run-preflight';
import type { CheckpointStore } from '../../../lambdas/shared/checkpoints';
import { useDynalite } from '../../helpers/dynalite';
import { usePostgresWithTls } from '../../helpers/postgres-tls';
import { stubLambdaEnvironment } from '../../helpers/lambda-environment';

const SOURCE_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-source-AbCdEf';
const TARGET_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-target-AbCdEf';

describe('preflight handler', () => {
  const source = usePostgresWithTls();
  const target = usePostgresWithTls();
  const dynamo = useDynalite();
  const secrets = mockClient(SecretsManagerClient);
  let handler: typeof Handler;
  let store: CheckpointStore;

  beforeAll(async () => {
    for (const server of [source, target]) {
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      // `events` has no primary key: its updates and deletes could not be replicated.
      await client.query(`create table orders (id int primary key, total numeric(10,2)); create table events (at timestamptz, what text)`);
      if (server === source) await client.query(`insert into orders select i, i from generate_series(1, 100) i`);
      await client.end();
    }
    const tableName = await dynamo.newTable();
    store = await dynamo.newStore({ tableName });
    const endpoint = (server: typeof source, secretArn: string) => ({ host: '127.0.0.1', port: server.port, database: 'postgres', secretArn, sslMode: 'require' });
    stubLambdaEnvironment({
      dynamoEndpoint: dynamo.endpoint,
      tableName,
      migrations: [
        {
          id: 'orders',
          source: endpoint(source, SOURCE_SECRET),
          target: endpoint(target, TARGET_SECRET),
          replication: { engine: 'native' },
          switch: { strategy: 'ssm-parameter', parameterName: '/orders/db' },
        },
      ],
    });
    ({ handler } = await import('../../../lambdas/preflight/handler'));
  });

  beforeEach(() => {
    clearCaches();
    secrets.reset();
    secrets.on(GetSecretValueCommand, { SecretId: SOURCE_SECRET }).resolves({ SecretString: JSON.stringify({ username: 'postgres', password: source.password }) });
    secrets.on(GetSecretValueCommand, { SecretId: TARGET_SECRET }).resolves({ SecretString: JSON.stringify({ username: 'postgres', password: target.password }) });
  });

  it('blocks the start with PreflightFailedError naming the failing check, after storing the report', async () => {
    const error = await handler({ migrationId: 'orders' }).catch((e: Error) => e);

    expect(error).toMatchObject({ name: 'PreflightFailedError', message: expect.stringContaining('replica-identity') });
    expect((error as Error).message).toContain('"waive"');
    const stored = await store.latestReport<PreflightReport>('orders', 'preflight');
    expect(stored?.report.passed).toBe(false);
    expect(stored?.report.blocking).toEqual(['replica-identity']);
    expect(stored?.report.checks.find((c) => c.id === 'replica-identity')).toMatchObject({ severity: 'error', objects: ['public.events'] });
    expect(stored?.report.checks.find((c) => c.id === 'ssl')?.severity).toBe('ok');
  });

  it('lets a waived error through and records the waiver in the stored report', async () => {
    const summary = await handler({ migrationId: 'orders', waive: ['replica-identity'] });

    expect(summary).toMatchObject({ migrationId: 'orders', passed: true, waived: ['replica-identity'], reportKey: expect.stringMatching(/^REPORT#preflight#/) });
    const stored = await store.latestReport<PreflightReport>('orders', 'preflight');
    expect(stored?.report.passed).toBe(true);
    expect(stored?.report.checks.find((c) => c.id === 'replica-identity')).toMatchObject({ severity: 'error', waived: true });
  });

  it('does not repeat a passed preflight of the same run', async () => {
    const reportsBefore = (await store.listReports('orders', 'preflight', 100)).length;
    const first = await handler({ migrationId: 'orders', runId: 'run-1', waive: ['replica-identity'] });
    const again = await handler({ migrationId: 'orders', runId: 'run-1', waive: ['replica-identity'] });

    expect(again).toEqual(first);
    expect(await store.listReports('orders', 'preflight', 100)).toHaveLength(reportsBefore + 1);
  });

  it('rejects an unknown check in waive, naming the field and the valid ids, before touching anything', async () => {
    const error = await handler({ migrationId: 'orders', waive: ['replica-identiy'] }).catch((e: Error) => e);

    expect(error).toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining("waive.0: no check named 'replica-identiy' (checks: connectivity,") });
    expect(secrets.calls()).toHaveLength(0);
  });
});
