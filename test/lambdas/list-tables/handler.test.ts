import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { clearCaches } from '@aws-lambda-powertools/parameters';
import { mockClient } from 'aws-sdk-client-mock';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import type { handler as Handler } from '../../../lambdas/list-tables/handler';
import { useDynalite } from '../../helpers/dynalite';
import { usePostgresWithTls } from '../../helpers/postgres-tls';
import { stubLambdaEnvironment } from '../../helpers/lambda-environment';

const SOURCE_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-source-AbCdEf';
const TARGET_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-target-AbCdEf';

describe('list-tables handler', () => {
  const server = usePostgresWithTls();
  const dynamo = useDynalite();
  const secrets = mockClient(SecretsManagerClient);
  let handler: typeof Handler;

  beforeAll(async () => {
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      await client.query('create database target');
      await client.query('create table orders (id int primary key); create table customers (id int primary key)');
    } finally {
      await client.end();
    }
    const endpoint = (database: string, secretArn: string) => ({ host: '127.0.0.1', port: server.port, database, secretArn, sslMode: 'require' });
    stubLambdaEnvironment({
      dynamoEndpoint: dynamo.endpoint,
      tableName: await dynamo.newTable(),
      migrations: [
        {
          id: 'orders',
          source: endpoint('postgres', SOURCE_SECRET),
          target: endpoint('target', TARGET_SECRET),
          replication: { engine: 'native' },
          switch: { strategy: 'ssm-parameter', parameterName: '/orders/db' },
        },
      ],
    });
    clearCaches();
    const credentials = { SecretString: JSON.stringify({ username: 'postgres', password: server.password }) };
    secrets.on(GetSecretValueCommand).resolves(credentials);
    ({ handler } = await import('../../../lambdas/list-tables/handler'));
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
