import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../lambdas/shared/checkpoints/client';
import { PARTITION_KEY, SORT_KEY } from '../lambdas/shared/checkpoints/keys';

/**
 * DynamoDB on this machine: dynalite, in-process and in memory.
 *
 * What dynalite 4 does not do (so Ferry's code must not need it): TransactWriteItems and
 * TransactGetItems, UpdateTimeToLive (TTL is configured by the CDK construct, and dynalite never
 * expires items), and ReturnValuesOnConditionCheckFailure (accepted, silently ignored).
 */
export interface LocalDynamo {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly port: number;
  /** Closes the server and drops its data; safe to call more than once. */
  stop(): Promise<void>;
}

export interface StartDynaliteOptions {
  /** How long a new table stays CREATING. @default 0 */
  readonly createTableMs?: number;
}

type DynaliteFactory = (options: Record<string, unknown>) => Server;

// dynalite ships no types; loading it through require keeps its untyped surface in this file.
const dynalite = createRequire(__filename)('dynalite') as DynaliteFactory;

/** dynalite checks no signature, but the SDK must sign with something. These are not secrets. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
export const LOCAL_REGION = 'local';

export async function startDynalite(options: StartDynaliteOptions = {}): Promise<LocalDynamo> {
  const createTableMs = options.createTableMs ?? 0;
  const server = dynalite({ createTableMs, deleteTableMs: createTableMs, updateTableMs: createTableMs });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Port 0: the OS picks a free port, so parallel test files never collide.
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= new Promise<void>((resolve, reject) => {
      server.close((err) => (err ? reject(err) : resolve()));
      // Keep-alive sockets from SDK clients would otherwise hold close() open.
      server.closeAllConnections();
    });
    return stopping;
  };
  return { endpoint: `http://127.0.0.1:${port}`, port, stop };
}

/** A document client for a local endpoint (fixed region, placeholder credentials). */
export function createLocalDocumentClient(endpoint: string): DynamoDBDocumentClient {
  return createDocumentClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
}

/**
 * Creates the checkpoint table with the same keys as the CDK construct and waits until it is
 * ACTIVE. TTL cannot be switched on here (dynalite has no UpdateTimeToLive).
 */
export async function createCheckpointTable(
  client: DynamoDBClient | DynamoDBDocumentClient,
  tableName: string,
  { timeoutMs = 30_000, pollMs = 25 }: { timeoutMs?: number; pollMs?: number } = {},
): Promise<void> {
  const send = client.send.bind(client) as DynamoDBClient['send'];
  await send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: PARTITION_KEY, AttributeType: 'S' },
        { AttributeName: SORT_KEY, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: PARTITION_KEY, KeyType: 'HASH' },
        { AttributeName: SORT_KEY, KeyType: 'RANGE' },
      ],
    }),
  );
  // The SDK's waiter polls every 20 s at first; locally the table is ready in milliseconds.
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { Table } = await send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    if (Date.now() > deadline) {
      throw new Error(`table ${tableName} is still ${Table?.TableStatus ?? 'missing'} after ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
