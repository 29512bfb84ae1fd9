import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { CheckpointStore, type CheckpointStoreOptions } from '../../lambdas/shared/checkpoints';
import { createCheckpointTable, createLocalDocumentClient, startDynalite, type LocalDynamo } from '../../local/dynalite';

export { createCheckpointTable, createLocalDocumentClient, startDynalite } from '../../local/dynalite';

export interface DynaliteFixture {
  readonly endpoint: string;
  readonly client: DynamoDBDocumentClient;
  /** A new, empty checkpoint table; cheap, so tests need not share one. */
  newTable(): Promise<string>;
  /** A store over a new table (or `tableName`), with no real backoff delays. */
  newStore(options?: Partial<Omit<CheckpointStoreOptions, 'client'>>): Promise<CheckpointStore>;
}

/** One dynalite per test file: started before the first test, stopped after the last. */
export function useDynalite(): DynaliteFixture {
  let server: LocalDynamo | undefined;
  let client: DynamoDBDocumentClient | undefined;

  beforeAll(async () => {
    server = await startDynalite();
    client = createLocalDocumentClient(server.endpoint);
  });
  afterAll(async () => {
    client?.destroy();
    await server?.stop();
  });

  const started = () => {
    if (server === undefined || client === undefined) {
      throw new Error('useDynalite(): dynalite is not running; use the fixture inside tests or hooks');
    }
    return { server, client };
  };

  const fixture: DynaliteFixture = {
    get endpoint() {
      return started().server.endpoint;
    },
    get client() {
      return started().client;
    },
    async newTable() {
      const tableName = `checkpoints-${randomUUID()}`;
      await createCheckpointTable(started().client, tableName);
      return tableName;
    },
    async newStore(options = {}) {
      const tableName = options.tableName ?? (await fixture.newTable());
      return new CheckpointStore({
        retry: { sleep: async () => undefined },
        ...options,
        client: started().client,
        tableName,
      });
    },
  };
  return fixture;
}
