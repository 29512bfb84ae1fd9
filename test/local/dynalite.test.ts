import { DescribeTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { PARTITION_KEY, SORT_KEY } from '../../lambdas/shared/checkpoints/keys';
import {
  createCheckpointTable,
  createLocalDocumentClient,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  startDynalite,
} from '../../local/dynalite';

describe('local dynalite', () => {
  it('starts on a free port on 127.0.0.1, answers, and stops', async () => {
    // Prepare
    const [first, second] = await Promise.all([startDynalite(), startDynalite()]);
    const client = new DynamoDBClient({ endpoint: first.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });

    try {
      // Act
      const tables = await client.send(new ListTablesCommand({}));

      // Assess
      expect(first.endpoint).toBe(`http://127.0.0.1:${first.port}`);
      expect(first.port).toBeGreaterThan(0);
      expect(second.port).not.toBe(first.port);
      expect(tables.TableNames).toEqual([]);
    } finally {
      client.destroy();
      await first.stop();
      await second.stop();
    }

    // Assess: nothing listens any more, and stopping again is harmless
    const after = new DynamoDBClient({
      endpoint: first.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
    });
    await expect(after.send(new ListTablesCommand({}))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    after.destroy();
    await expect(first.stop()).resolves.toBeUndefined();
  });

  it('creates the checkpoint table with the construct\'s keys, ACTIVE when it returns', async () => {
    // Prepare
    const server = await startDynalite({ createTableMs: 100 });
    const client = createLocalDocumentClient(server.endpoint);

    try {
      // Act
      await createCheckpointTable(client, 'ferry-checkpoints');

      // Assess
      const { Table } = await client.send(new DescribeTableCommand({ TableName: 'ferry-checkpoints' }));
      expect(Table?.TableStatus).toBe('ACTIVE');
      expect(Table?.KeySchema).toEqual([
        { AttributeName: PARTITION_KEY, KeyType: 'HASH' },
        { AttributeName: SORT_KEY, KeyType: 'RANGE' },
      ]);
      expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    } finally {
      client.destroy();
      await server.stop();
    }
  });
});
