import { GetSecretValueCommand, ResourceNotFoundException } from '@aws-sdk/client-secrets-manager';
import pg from 'pg';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { tlsEndpointOf, useDatabaseSecrets, useHandlerEnvironment } from '../../helpers/handler';
import { ORDERS, SOURCE_SECRET, TARGET_SECRET } from '../../helpers/migrations';
import { usePostgresWithTls } from '../../helpers/postgres-tls';

const context = { getRemainingTimeInMillis: () => 900_000, awsRequestId: 'req-1' };

describe('compare handler', () => {
  const source = usePostgresWithTls();
  const target = usePostgresWithTls();
  const lambda = useHandlerEnvironment({
    load: () => import('../../../lambdas/compare/handler'),
    migrations: () => [
      { ...ORDERS, source: tlsEndpointOf(source, SOURCE_SECRET), target: tlsEndpointOf(target, TARGET_SECRET), tables: { include: ['public.*'], exclude: ['public.audit'] } },
    ],
  });
  const { handler } = lambda;
  const secrets = useDatabaseSecrets(() => ({
    [SOURCE_SECRET]: { username: 'postgres', password: source.password },
    [TARGET_SECRET]: { username: 'postgres', password: target.password, engine: 'postgres' },
  }));

  beforeAll(async () => {
    for (const server of [source, target]) {
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      await client.query(`create table orders (id int primary key, total numeric(10,2)); insert into orders select i, i from generate_series(1, 2000) i;
        create table audit (id int primary key)`);
      if (server === target) await client.query(`update orders set total = 0 where id = 77`);
      await client.end();
    }
  });
  afterEach(() => vi.clearAllMocks());

  it('compares the migration\'s selected tables over TLS with credentials from Secrets Manager, and stores the full report', async () => {
    const summary = await handler({ migrationId: 'orders', runId: 'run-a' }, context);

    expect(summary).toMatchObject({
      migrationId: 'orders',
      runId: 'run-a',
      complete: true,
      equal: false,
      rowsCompared: 2000,
      differences: 1,
      differentTables: ['public.orders'],
      tables: [{ table: 'public.orders', status: 'different', changedTotal: 1 }],
    });
    const report = await lambda.store.latestReport<{ data: { tables: Array<{ changed: unknown[] }> } }>('orders', 'comparison');
    expect(summary.reportKey).toMatch(/^REPORT#comparison#/);
    expect(report?.report.data.tables[0]!.changed).toEqual([{ key: { id: 77 }, columns: ['total'] }]);
    expect(JSON.stringify(summary)).not.toContain(source.password);
  });

  it('returns the stored result when the same run is invoked again, without reading the tables', async () => {
    const first = await handler({ migrationId: 'orders', runId: 'run-b', tables: ['public.orders'] }, context);
    const again = await handler({ migrationId: 'orders', runId: 'run-b', tables: ['public.orders'] }, context);
    expect(again.tables).toEqual(first.tables);
  });

  it('stops before the Lambda time limit and reports what is pending', async () => {
    const summary = await handler({ migrationId: 'orders', runId: 'run-c' }, { ...context, getRemainingTimeInMillis: () => 30_000 });
    expect(summary).toMatchObject({ complete: false, equal: false, pending: ['public.orders'] });
    expect(summary.reportKey).toBeUndefined();
  });

  it('rejects input with a missing or unknown field, naming it, before touching anything', async () => {
    await expect(handler({ runId: 'r' }, context)).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('migrationId') });
    await expect(handler({ migrationId: 'orders', runId: 'r', tabels: ['public.orders'] }, context)).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining('unknown field(s) tabels'),
    });
    expect(secrets.calls()).toHaveLength(0);
  });

  it('names an unknown migration and the configured ones', async () => {
    await expect(handler({ migrationId: 'invoices', runId: 'r' }, context)).rejects.toMatchObject({
      name: 'MigrationNotConfiguredError',
      message: expect.stringContaining('(configured: orders)'),
    });
  });

  it('fails with SecretFormatError, naming the secret but not its content, when a secret is not a database secret', async () => {
    secrets.on(GetSecretValueCommand, { SecretId: TARGET_SECRET }).resolves({ SecretString: JSON.stringify({ user: 'x', pass: 'hunter2' }) });
    const error = await handler({ migrationId: 'orders', runId: 'r-secret' }, context).catch((e: Error) => e);
    expect(error).toMatchObject({ name: 'SecretFormatError', message: expect.stringContaining(TARGET_SECRET) });
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('fails with SecretUnavailableError, naming the secret and the cause, when a secret is missing', async () => {
    secrets.on(GetSecretValueCommand, { SecretId: SOURCE_SECRET }).rejects(
      new ResourceNotFoundException({ $metadata: { httpStatusCode: 400 }, message: "Secrets Manager can't find the specified secret." }),
    );
    await expect(handler({ migrationId: 'orders', runId: 'r-missing' }, context)).rejects.toMatchObject({
      name: 'SecretUnavailableError',
      message: expect.stringContaining(`${SOURCE_SECRET} cannot be read (ResourceNotFoundException`),
    });
  });

  it('fails with a retryable SecretsTransientError, reported to Step Functions as TransientError, when Secrets Manager throttles', async () => {
    secrets.on(GetSecretValueCommand, { SecretId: SOURCE_SECRET }).rejects(
      Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }),
    );
    await expect(handler({ migrationId: 'orders', runId: 'r-throttled' }, context)).rejects.toMatchObject({
      name: 'TransientError',
      retryable: true,
      message: expect.stringMatching(/^SecretsTransientError: /),
      cause: expect.objectContaining({ name: 'SecretsTransientError' }),
    });
  });

  it('names the database it could not connect to', async () => {
    secrets.on(GetSecretValueCommand, { SecretId: TARGET_SECRET }).resolves({ SecretString: JSON.stringify({ username: 'postgres', password: 'wrong' }) });
    await expect(handler({ migrationId: 'orders', runId: 'r-auth' }, context)).rejects.toMatchObject({
      message: expect.stringMatching(/target database \(127\.0\.0\.1:\d+\/postgres\).*authentication failed/),
    });
  });
});
