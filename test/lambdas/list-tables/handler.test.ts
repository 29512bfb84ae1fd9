import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { tlsEndpointOf, useDatabaseSecrets, useHandlerEnvironment } from '../../helpers/handler';
import { ORDERS, SOURCE_SECRET, TARGET_SECRET } from '../../helpers/migrations';
import { usePostgresWithTls } from '../../helpers/postgres-tls';

describe('list-tables handler', () => {
  const server = usePostgresWithTls();
  const { handler } = useHandlerEnvironment({
    load: () => import('../../../lambdas/list-tables/handler'),
    migrations: () => [{ ...ORDERS, source: tlsEndpointOf(server, SOURCE_SECRET), target: tlsEndpointOf(server, TARGET_SECRET, 'target') }],
  });
  const credentials = () => ({ username: 'postgres', password: server.password });
  const secrets = useDatabaseSecrets(() => ({ [SOURCE_SECRET]: credentials(), [TARGET_SECRET]: credentials() }));

  beforeAll(async () => {
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      await client.query('create database target');
      await client.query('create table orders (id int primary key); create table customers (id int primary key)');
    } finally {
      await client.end();
    }
  });

  it('lists the source\'s selected tables over TLS with credentials from Secrets Manager', async () => {
    // Act
    const output = await handler({ migrationId: 'orders' });

    // Assess
    expect(output.count).toBe(2);
    expect(output.tables).toEqual(expect.arrayContaining([{ schema: 'public', name: 'orders' }, { schema: 'public', name: 'customers' }]));
  });

  it('rejects input with an unknown field before reading anything', async () => {
    // Prepare
    secrets.resetHistory();

    // Act / Assess
    await expect(handler({ migrationId: 'orders', tables: ['public.*'] })).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('unknown field(s) tables') });
    expect(secrets.calls()).toHaveLength(0);
  });
});
