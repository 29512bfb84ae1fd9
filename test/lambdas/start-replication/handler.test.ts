import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tlsEndpointOf, useDatabaseSecrets, useHandlerEnvironment } from '../../helpers/handler';
import { ORDERS, SOURCE_SECRET, TARGET_SECRET } from '../../helpers/migrations';
import { usePostgresWithTls } from '../../helpers/postgres-tls';

/**
 * The start-replication and replication-status handlers together, as the migrate workflow uses
 * them: one start, then polls until the full load is done. Native engine, TLS on both servers,
 * credentials from Secrets Manager (mocked; it has no local twin).
 */
describe('start-replication and replication-status handlers', () => {
  const source = usePostgresWithTls();
  const target = usePostgresWithTls();
  const lambda = useHandlerEnvironment({
    load: async () => ({
      start: (await import('../../../lambdas/start-replication/handler')).handler,
      status: (await import('../../../lambdas/replication-status/handler')).handler,
    }),
    migrations: () => [{ ...ORDERS, source: tlsEndpointOf(source, SOURCE_SECRET), target: tlsEndpointOf(target, TARGET_SECRET) }],
    checkpoints: false,
  });
  const start: typeof lambda.module.start = (event) => lambda.module.start(event);
  const status: typeof lambda.module.status = (event) => lambda.module.status(event);
  const secrets = useDatabaseSecrets(() => ({
    [SOURCE_SECRET]: { username: 'postgres', password: source.password },
    [TARGET_SECRET]: { username: 'postgres', password: target.password },
  }));

  const sql = async (url: string, text: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return await client.query(text);
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    for (const server of [source, target]) await sql(server.url, `create table orders (id int primary key, total numeric(10,2))`);
    await sql(source.url, `insert into orders select i, i from generate_series(1, 500) i`);
  });

  afterAll(async () => {
    // What a finished migration does: no subscription, slot or publication is left behind.
    await sql(target.url, `drop subscription if exists ferry_orders`);
    await sql(source.url, `drop publication if exists ferry_orders`);
  });

  it('starts the replication once, then polls it until the full load is complete and changes stream', async () => {
    const first = await start({ migrationId: 'orders' });
    const second = await start({ migrationId: 'orders' });

    expect(first).toMatchObject({ migrationId: 'orders', engine: 'native', action: 'started' });
    expect(second.action).toBe('already-running');
    await expect.poll(async () => (await status({ migrationId: 'orders' })).fullLoadComplete, { timeout: 30_000, interval: 200 }).toBe(true);
    const polled = await status({ migrationId: 'orders' });
    expect(polled).toMatchObject({ state: 'cdc', tables: { total: 1, loaded: 1 }, notLoaded: [] });
    expect(JSON.stringify(polled)).not.toContain(source.password);
    expect((await sql(target.url, `select count(*)::int as n from orders`)).rows[0].n).toBe(500);
  });

  it('rejects input with a missing or unknown field, naming it, before reading any secret', async () => {
    await expect(start({})).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('migrationId') });
    await expect(start({ migrationId: 'orders', reload: 'yes' })).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('reload') });
    await expect(status({ migrationId: 'orders', verbose: true })).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining('unknown field(s) verbose'),
    });
    expect(secrets.calls()).toHaveLength(0);
  });

  it('names an unknown migration and the configured ones', async () => {
    await expect(status({ migrationId: 'invoices' })).rejects.toMatchObject({ name: 'MigrationNotConfiguredError', message: expect.stringContaining('(configured: orders)') });
  });
});
