import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { clearCaches } from '@aws-lambda-powertools/parameters';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, vi } from 'vitest';
import type { CheckpointStore } from '../../lambdas/shared/checkpoints';
import { useDynalite } from './dynalite';
import { stubLambdaEnvironment } from './lambda-environment';

/** The environment's notification topic, as the stack passes it in FERRY_TOPIC_ARN. */
export const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:ferry-dev';
/** A migrate workflow execution: the lock owner of a run. */
export const EXECUTION_ARN = 'arn:aws:states:eu-west-1:123456789012:execution:Ferry-dev-migrate:exec-1';

export interface HandlerEnvironmentOptions<M> {
  /** Imports the handler module(s); called once the environment is stubbed. */
  readonly load: () => Promise<M>;
  /** Migrations as cdk.json holds them; a function when they name servers started by the file. */
  readonly migrations?: readonly unknown[] | (() => readonly unknown[]);
  readonly topicArn?: string;
  /** Whether the handler reaches the checkpoint table: a dynalite table of its own (default true). */
  readonly checkpoints?: boolean;
}

export interface HandlerEnvironment<M> {
  /** The loaded module(s), as `load` returned them. */
  readonly module: M;
  /** The module's `handler`, callable from the tests (it forwards to the loaded one). */
  readonly handler: M extends { handler: infer H } ? H : never;
  /** A store over the handler's checkpoint table. */
  readonly store: CheckpointStore;
  readonly tableName: string;
}

/**
 * A handler under test as the stack deploys it: a dynalite checkpoint table, the Lambda
 * environment stubbed for it (FERRY_MIGRATIONS, FERRY_TABLE_NAME, FERRY_TOPIC_ARN, region,
 * local credentials), the module imported after that, and the environment restored after the file.
 * Call it after the servers the migrations name, so that they are up first.
 */
export function useHandlerEnvironment<M>(options: HandlerEnvironmentOptions<M>): HandlerEnvironment<M> {
  const dynamo = options.checkpoints === false ? undefined : useDynalite();
  let loaded: { module: M; store?: CheckpointStore; tableName?: string } | undefined;

  beforeAll(async () => {
    const tableName = dynamo === undefined ? undefined : await dynamo.newTable();
    const store = dynamo === undefined ? undefined : await dynamo.newStore({ tableName });
    const migrations = typeof options.migrations === 'function' ? options.migrations() : options.migrations;
    stubLambdaEnvironment({ dynamoEndpoint: dynamo?.endpoint, tableName, topicArn: options.topicArn, migrations });
    loaded = { module: await options.load(), store, tableName };
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });

  const started = () => {
    if (loaded === undefined) throw new Error('useHandlerEnvironment(): the handler is not loaded; use it inside tests or later hooks');
    return loaded;
  };
  const withTable = () => {
    const { store, tableName } = started();
    if (store === undefined || tableName === undefined) throw new Error('useHandlerEnvironment(): no checkpoint table (checkpoints: false)');
    return { store, tableName };
  };
  const handler = (...args: unknown[]) => (started().module as { handler: (...a: unknown[]) => unknown }).handler(...args);

  return {
    get module() {
      return started().module;
    },
    handler: handler as HandlerEnvironment<M>['handler'],
    get store() {
      return withTable().store;
    },
    get tableName() {
      return withTable().tableName;
    },
  };
}

/** A migration endpoint on a local TLS server (see `usePostgresWithTls`), as the functions insist on TLS. */
export function tlsEndpointOf(server: { readonly port: number }, secretArn: string, database = 'postgres') {
  return { host: '127.0.0.1', port: server.port, database, secretArn, sslMode: 'require' };
}

/**
 * Secrets Manager mocked with a database secret per ARN (it has no local twin), set afresh
 * before each test with Powertools' five-minute secret cache cleared; tests may override one.
 */
export function useDatabaseSecrets(secretsByArn: () => Record<string, Record<string, unknown>>) {
  const secrets = mockClient(SecretsManagerClient);
  beforeEach(() => {
    clearCaches();
    secrets.reset();
    for (const [arn, value] of Object.entries(secretsByArn())) {
      secrets.on(GetSecretValueCommand, { SecretId: arn }).resolves({ SecretString: JSON.stringify(value) });
    }
  });
  return secrets;
}
