import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  SecretsManagerServiceException,
  type GetSecretValueCommandOutput,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { SecretsManagerSwitch, requestToken } from '../../../../lambdas/shared/switch/secrets-manager';
import {
  SwitchFailedError,
  SwitchTransientError,
  SwitchUnexpectedValueError,
  type SwitchEndpoints,
} from '../../../../lambdas/shared/switch/switch';

const secretsManager = mockClient(SecretsManagerClient);
const sleep = vi.fn(async (_ms: number) => undefined);

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/app-db-Xa9fQ2';
const VERSION_ID = 'b4a3c7e2-5d1f-4e8a-9c6b-2f0e1d7a8b93';
const NEW_VERSION_ID = 'e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b';
const PASSWORD = 'q7#Vx!9pL$2mZr&T';
const SOURCE_HOST = 'orders-db.cluster-c9akciq32rlx.eu-west-1.rds.amazonaws.com';
const TARGET_HOST = 'orders-pg16.cluster-c9akciq32rlx.eu-west-1.rds.amazonaws.com';
const ENDPOINTS: SwitchEndpoints = {
  source: { host: SOURCE_HOST, port: 5432, database: 'orders' },
  target: { host: TARGET_HOST, port: 6432, database: 'orders' },
};

/** The application's secret in the RDS format, as the RDS console creates it for a cluster. */
const APP_SECRET = {
  username: 'orders_app',
  password: PASSWORD,
  engine: 'postgres',
  host: SOURCE_HOST,
  port: 5432,
  dbname: 'orders',
  dbClusterIdentifier: 'orders-db',
};

const metadata = (httpStatusCode: number) => ({ httpStatusCode, requestId: '0f1e2d3c-4b5a-4697-8877-66554433aa11', attempts: 1, totalRetryDelay: 0 });
const throttling = () =>
  new SecretsManagerServiceException({ name: 'ThrottlingException', $fault: 'client', $metadata: metadata(400), message: 'Rate exceeded' });

function secret(secretString: string | undefined, binary = false): GetSecretValueCommandOutput {
  return {
    $metadata: metadata(200),
    ARN: SECRET_ARN,
    Name: 'orders/app-db',
    VersionId: VERSION_ID,
    ...(binary ? { SecretBinary: new TextEncoder().encode(PASSWORD) } : { SecretString: secretString }),
    VersionStages: ['AWSCURRENT'],
    CreatedDate: new Date('2030-01-01T08:00:00.000Z'),
  };
}

const appSecret = (fields: Record<string, unknown> = {}) => secret(JSON.stringify({ ...APP_SECRET, ...fields }));
const putAnswer = { ARN: SECRET_ARN, Name: 'orders/app-db', VersionId: NEW_VERSION_ID, VersionStages: ['AWSCURRENT'] };

const newSwitch = () =>
  new SecretsManagerSwitch({
    secretsManager: new SecretsManagerClient({ region: 'eu-west-1' }),
    secretArn: SECRET_ARN,
    endpoints: ENDPOINTS,
    retry: { sleep, random: () => 0.5, maxAttempts: 3 },
  });

/** Everything a caller could log or return: the password must be in none of it. */
async function settle(promise: Promise<unknown>): Promise<string> {
  try {
    return JSON.stringify(await promise);
  } catch (error) {
    const e = error as Error;
    return `${e.name} ${e.message} ${e.stack ?? ''} ${String(e.cause)} ${JSON.stringify(e)}`;
  }
}

beforeEach(() => {
  secretsManager.reset();
  sleep.mockClear();
});

describe('a Secrets Manager secret the clients read their endpoint from', () => {
  it('points the clients at the target in a new version that keeps every other field as it was', async () => {
    // Prepare
    secretsManager.on(GetSecretValueCommand).resolves(appSecret());
    secretsManager.on(PutSecretValueCommand).resolves(putAnswer);

    // Act
    const outcome = await newSwitch().pointTo('target');

    // Assess
    expect(outcome).toEqual({
      action: 'switched',
      side: 'target',
      from: `${SOURCE_HOST}:5432/orders`,
      to: `${TARGET_HOST}:6432/orders`,
      message: `secret ${SECRET_ARN} moved from ${SOURCE_HOST}:5432/orders to the target (${TARGET_HOST}:6432/orders), version ${NEW_VERSION_ID}`,
    });
    const puts = secretsManager.commandCalls(PutSecretValueCommand);
    expect(puts).toHaveLength(1);
    const input = puts[0]!.args[0].input;
    expect(input.SecretId).toBe(SECRET_ARN);
    expect(input.ClientRequestToken).toBe(requestToken(SECRET_ARN, 'target', VERSION_ID));
    expect(input.VersionStages).toBeUndefined();
    expect(JSON.parse(input.SecretString!)).toStrictEqual({ ...APP_SECRET, host: TARGET_HOST, port: 6432 });
    expect(Object.keys(JSON.parse(input.SecretString!))).toEqual(Object.keys(APP_SECRET));
  });

  it('writes no version when the secret already names the target', async () => {
    // Prepare
    secretsManager.on(GetSecretValueCommand).resolves(appSecret({ host: TARGET_HOST, port: 6432 }));

    // Act
    const outcome = await newSwitch().pointTo('target');

    // Assess
    expect(outcome).toMatchObject({ action: 'already', side: 'target', from: `${TARGET_HOST}:6432/orders` });
    expect(secretsManager.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  it('points the clients back at the source on rollback', async () => {
    // Prepare
    secretsManager.on(GetSecretValueCommand).resolves(appSecret({ host: TARGET_HOST, port: 6432 }));
    secretsManager.on(PutSecretValueCommand).resolves(putAnswer);

    // Act
    const outcome = await newSwitch().pointTo('source');

    // Assess
    expect(outcome).toMatchObject({ action: 'switched', side: 'source', to: `${SOURCE_HOST}:5432/orders` });
    expect(JSON.parse(secretsManager.commandCalls(PutSecretValueCommand)[0]!.args[0].input.SecretString!)).toStrictEqual(APP_SECRET);
  });

  it('keeps a port stored as a string a string', async () => {
    // Prepare
    secretsManager.on(GetSecretValueCommand).resolves(appSecret({ port: '5432' }));
    secretsManager.on(PutSecretValueCommand).resolves(putAnswer);

    // Act
    await newSwitch().pointTo('target');

    // Assess
    expect(JSON.parse(secretsManager.commandCalls(PutSecretValueCommand)[0]!.args[0].input.SecretString!).port).toBe('6432');
  });

  it('reads a secret without dbname by host and port, and does not add one', async () => {
    // Prepare
    const { dbname: _dbname, ...withoutDbname } = APP_SECRET;
    secretsManager.on(GetSecretValueCommand).resolves(secret(JSON.stringify(withoutDbname)));
    secretsManager.on(PutSecretValueCommand).resolves(putAnswer);

    // Act
    const outcome = await newSwitch().pointTo('target');

    // Assess
    expect(outcome).toMatchObject({ from: `${SOURCE_HOST}:5432`, to: `${TARGET_HOST}:6432` });
    expect(JSON.parse(secretsManager.commandCalls(PutSecretValueCommand)[0]!.args[0].input.SecretString!)).toStrictEqual({
      ...withoutDbname,
      host: TARGET_HOST,
      port: 6432,
    });
  });

  it('refuses a secret naming another endpoint, quoting only host:port/dbname, and writes nothing', async () => {
    // Prepare
    secretsManager.on(GetSecretValueCommand).resolves(appSecret({ host: 'orders-replica.c9akciq32rlx.eu-west-1.rds.amazonaws.com' }));

    // Act
    const attempt = newSwitch().pointTo('target');

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(SwitchUnexpectedValueError);
    await expect(attempt).rejects.toThrow(
      `secret ${SECRET_ARN} points at orders-replica.c9akciq32rlx.eu-west-1.rds.amazonaws.com:5432/orders, which is neither ` +
        `the source (${SOURCE_HOST}:5432/orders) nor the target (${TARGET_HOST}:6432/orders).`,
    );
    expect(await settle(attempt)).not.toContain(PASSWORD);
    expect(secretsManager.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  it('gives a retried write the same request token, so Secrets Manager keeps one version', async () => {
    // Prepare
    secretsManager.on(GetSecretValueCommand).resolves(appSecret());
    secretsManager.on(PutSecretValueCommand).rejectsOnce(throttling()).resolves(putAnswer);

    // Act
    const outcome = await newSwitch().pointTo('target');

    // Assess
    expect(outcome.action).toBe('switched');
    const tokens = secretsManager.commandCalls(PutSecretValueCommand).map((c) => c.args[0].input.ClientRequestToken);
    expect(tokens).toHaveLength(2);
    expect(tokens[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(tokens[1]).toBe(tokens[0]);
    expect(requestToken(SECRET_ARN, 'source', VERSION_ID)).not.toBe(tokens[0]);
    expect(requestToken(SECRET_ARN, 'target', NEW_VERSION_ID)).not.toBe(tokens[0]);
  });

  it('never puts the password in a position, an outcome or an error', async () => {
    // Prepare
    secretsManager.on(GetSecretValueCommand).resolves(appSecret());
    secretsManager.on(PutSecretValueCommand).resolves(putAnswer);

    // Act
    const seen = [await settle(newSwitch().current()), await settle(newSwitch().pointTo('target')), await settle(newSwitch().pointTo('source'))];

    // Assess
    expect(seen.join('\n')).not.toContain(PASSWORD);
    expect(seen.join('\n')).toContain(SOURCE_HOST);
  });
});

describe('a secret the switch cannot use', () => {
  it('refuses a plaintext secret without quoting it, though the JSON parser would', async () => {
    // Prepare
    secretsManager.on(GetSecretValueCommand).resolves(secret(PASSWORD));

    // Act
    const attempt = newSwitch().pointTo('target');

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(SwitchFailedError);
    await expect(attempt).rejects.toThrow(`secret ${SECRET_ARN} does not hold JSON.`);
    const seen = await settle(attempt);
    expect(seen).not.toContain(PASSWORD);
    expect(secretsManager.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  it('names the host field when the secret has none', async () => {
    // Prepare
    secretsManager.on(GetSecretValueCommand).resolves(secret(JSON.stringify({ username: 'orders_app', password: PASSWORD })));

    // Act
    const attempt = newSwitch().current();

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(SwitchFailedError);
    await expect(attempt).rejects.toThrow(`secret ${SECRET_ARN} has no "host" field`);
    expect(await settle(attempt)).not.toContain(PASSWORD);
  });

  it('names the port field when the secret has none', async () => {
    // Prepare
    const { port: _port, ...withoutPort } = APP_SECRET;
    secretsManager.on(GetSecretValueCommand).resolves(secret(JSON.stringify(withoutPort)));

    // Act
    const attempt = newSwitch().current();

    // Assess
    await expect(attempt).rejects.toThrow(`secret ${SECRET_ARN} has no "port" field`);
  });

  it('refuses a binary secret', async () => {
    // Prepare
    secretsManager.on(GetSecretValueCommand).resolves(secret(undefined, true));

    // Act
    const attempt = newSwitch().current();

    // Assess
    await expect(attempt).rejects.toThrow(`secret ${SECRET_ARN} holds binary data, not a JSON string`);
  });

  it('refuses to guess when the secret has no dbname and the endpoints differ only in their database', async () => {
    // Prepare
    const { dbname: _dbname, ...withoutDbname } = APP_SECRET;
    secretsManager.on(GetSecretValueCommand).resolves(secret(JSON.stringify(withoutDbname)));
    const sameServer: SwitchEndpoints = { source: ENDPOINTS.source, target: { ...ENDPOINTS.source, database: 'orders_v2' } };
    const sw = new SecretsManagerSwitch({ secretsManager: new SecretsManagerClient({}), secretArn: SECRET_ARN, endpoints: sameServer });

    // Act
    const attempt = sw.pointTo('target');

    // Assess
    await expect(attempt).rejects.toThrow('differ only in their database');
    expect(secretsManager.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });
});

describe('Secrets Manager answering with errors', () => {
  it('reports a secret that does not exist without retrying', async () => {
    // Prepare
    secretsManager
      .on(GetSecretValueCommand)
      .rejects(new ResourceNotFoundException({ $metadata: metadata(400), message: "Secrets Manager can't find the specified secret." }));

    // Act
    const attempt = newSwitch().pointTo('target');

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(SwitchFailedError);
    await expect(attempt).rejects.toThrow(
      `Secrets Manager GetSecretValue on secret ${SECRET_ARN} found nothing (ResourceNotFoundException: Secrets Manager can't find the specified secret.). Check secretArn`,
    );
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('surfaces persistent throttling as a transient error after every attempt', async () => {
    // Prepare
    secretsManager.on(GetSecretValueCommand).resolves(appSecret());
    secretsManager.on(PutSecretValueCommand).rejects(throttling());

    // Act
    const attempt = newSwitch().pointTo('target');

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(SwitchTransientError);
    await expect(attempt).rejects.toThrow('Secrets Manager PutSecretValue on secret');
    expect(secretsManager.commandCalls(PutSecretValueCommand)).toHaveLength(3);
    expect(await settle(attempt)).not.toContain(PASSWORD);
  });
});
