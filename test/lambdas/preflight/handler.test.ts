import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PreflightReport } from '../../../lambdas/shared/preflight/run-preflight';
import { tlsEndpointOf, useDatabaseSecrets, useHandlerEnvironment } from '../../helpers/handler';
import { ORDERS, SOURCE_SECRET, TARGET_SECRET } from '../../helpers/migrations';
import { usePostgresWithTls } from '../../helpers/postgres-tls';

describe('preflight handler', () => {
  const source = usePostgresWithTls();
  const target = usePostgresWithTls();
  const lambda = useHandlerEnvironment({
    load: () => import('../../../lambdas/preflight/handler'),
    migrations: () => [{ ...ORDERS, source: tlsEndpointOf(source, SOURCE_SECRET), target: tlsEndpointOf(target, TARGET_SECRET) }],
  });
  const { handler } = lambda;
  const secrets = useDatabaseSecrets(() => ({
    [SOURCE_SECRET]: { username: 'postgres', password: source.password },
    [TARGET_SECRET]: { username: 'postgres', password: target.password },
  }));

  beforeAll(async () => {
    for (const server of [source, target]) {
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      // `events` has no primary key: its updates and deletes could not be replicated.
      await client.query(`create table orders (id int primary key, total numeric(10,2)); create table events (at timestamptz, what text)`);
      if (server === source) await client.query(`insert into orders select i, i from generate_series(1, 100) i`);
      await client.end();
    }
  });

  it('blocks the start with PreflightFailedError naming the failing check, after storing the report', async () => {
    const error = await handler({ migrationId: 'orders' }).catch((e: Error) => e);

    expect(error).toMatchObject({ name: 'PreflightFailedError', message: expect.stringContaining('replica-identity') });
    expect((error as Error).message).toContain('"waive"');
    const stored = await lambda.store.latestReport<PreflightReport>('orders', 'preflight');
    expect(stored?.report.passed).toBe(false);
    expect(stored?.report.blocking).toEqual(['replica-identity']);
    expect(stored?.report.checks.find((c) => c.id === 'replica-identity')).toMatchObject({ severity: 'error', objects: ['public.events'] });
    expect(stored?.report.checks.find((c) => c.id === 'ssl')?.severity).toBe('ok');
  });

  it('lets a waived error through and records the waiver in the stored report', async () => {
    const summary = await handler({ migrationId: 'orders', waive: ['replica-identity'] });

    expect(summary).toMatchObject({ migrationId: 'orders', passed: true, waived: ['replica-identity'], reportKey: expect.stringMatching(/^REPORT#preflight#/) });
    const stored = await lambda.store.latestReport<PreflightReport>('orders', 'preflight');
    expect(stored?.report.passed).toBe(true);
    expect(stored?.report.checks.find((c) => c.id === 'replica-identity')).toMatchObject({ severity: 'error', waived: true });
  });

  it('does not repeat a passed preflight of the same run', async () => {
    const reportsBefore = (await lambda.store.listReports('orders', 'preflight', 100)).length;
    const first = await handler({ migrationId: 'orders', runId: 'run-1', waive: ['replica-identity'] });
    const again = await handler({ migrationId: 'orders', runId: 'run-1', waive: ['replica-identity'] });

    expect(again).toEqual(first);
    expect(await lambda.store.listReports('orders', 'preflight', 100)).toHaveLength(reportsBefore + 1);
  });

  it('rejects an unknown check in waive, naming the field and the valid ids, before touching anything', async () => {
    const error = await handler({ migrationId: 'orders', waive: ['replica-identiy'] }).catch((e: Error) => e);

    expect(error).toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining("waive.0: no check named 'replica-identiy' (checks: connectivity,") });
    expect(secrets.calls()).toHaveLength(0);
  });
});
