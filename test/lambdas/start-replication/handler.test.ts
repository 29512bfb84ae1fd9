import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { clearCaches } from '@aws-lambda-powertools/parameters';
import { mockClient } from 'aws-sdk-client-mock';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { handler as StartHandler } from '../../../lambdas/start-replication/handler';
import type { handler as StatusHandler } from '../../../lambdas/replication-status/handler';
import { usePostgresWithTls } from '../../helpers/postgres-tls';
import { stubLambdaEnvironment } from '../../helpers/lambda-environment';

const SOURCE_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-source-AbCdEf';
const TARGET_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-target-AbCdEf';

/**
 * The start-replication and replication-status handlers together, as the migrate workflow uses
 * them: one start, then polls until the full load is done. Native engine, TLS on both servers,
 * credentials from Secrets Manager (mocked; it has no local twin).
 */
describe('start-replication and replication-status handlers', () => {
  const source = usePostgresWithTls();
  const target = usePostgresWithTls();
  const secrets = mockClient(SecretsManagerClient);
  let start: typeof StartHandler;
  let status: typeof StatusHandler;

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
    const endpoint = (server: typeof source, secretArn: string) => ({ host: '127.0.0.1', port: server.port, database: 'postgres', secretArn, sslMode: 'require' });
    stubLambdaEnvironment({
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
    ({ handler: start } = await import('../../../lambdas/start-replication/handler'));
    ({ handler: status } = await import('../../../lambdas/replication-status/handler'));
  });

  afterAll(async () => {
    // What a finished migration does: no subscription, slot or publication is left behind.
    await sql(target.url, `drop subscription if exists ferry_orders`);
    await sql(source.url, `drop publication if exists ferry_orders`);
  });

  beforeEach(() => {
    clearCaches();
    secrets.reset();
    secrets.on(GetSecretValueCommand, { SecretId: SOURCE_SECRET }).resolves({ SecretString: JSON.stringify({ username: 'postgres', password: source.password }) });
    secrets.on(GetSecretValueCommand, { SecretId: TARGET_SECRET }).resolves({ SecretString: JSON.stringify({ username: 'postgres', password: target.password }) });
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
