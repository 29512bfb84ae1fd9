import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, GetParameterHistoryCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { switchReady } from '../../../../lambdas/guardrails/switch-ready';
import { MigrationSchema, type MigrationConfig, type MigrationConfigInput } from '../../../../lambdas/shared/migration-config';
import { staticSecrets } from '../../../../lambdas/shared/secrets';
import { createSwitch, resetSwitchClients } from '../../../../lambdas/shared/switch/create-switch';
import { Route53Switch } from '../../../../lambdas/shared/switch/route53';
import { SecretsManagerSwitch } from '../../../../lambdas/shared/switch/secrets-manager';
import { SsmParameterSwitch, type SsmParameterFormat } from '../../../../lambdas/shared/switch/ssm-parameter';
import { SwitchFailedError, SwitchUnexpectedValueError, type SwitchEndpoints } from '../../../../lambdas/shared/switch/switch';
import { MOTO_CREDENTIALS, useMoto } from '../../../helpers/moto';

/**
 * The three AWS switches against moto, which checks every request against the service's model and
 * keeps the parameter, secret and record so a second, plain SDK call can see what the switch wrote.
 * Throttling, access denied and "busy" answers (TooManyUpdates, PriorRequestNotComplete) moto does
 * not produce: they stay on aws-sdk-client-mock in ssm-parameter.test.ts, secrets-manager.test.ts
 * and route53.test.ts. Moto applies a Route 53 change at once (ChangeResourceRecordSets answers
 * INSYNC), so GetChange polling is tested there too.
 */
const SOURCE_HOST = 'orders-db.cluster-c9akciq32rlx.eu-west-1.rds.amazonaws.com';
const TARGET_HOST = 'orders-pg16.cluster-c9akciq32rlx.eu-west-1.rds.amazonaws.com';
const ENDPOINTS: SwitchEndpoints = {
  source: { host: SOURCE_HOST, port: 5432, database: 'orders' },
  target: { host: TARGET_HOST, port: 6432, database: 'orders' },
};
const NO_RETRY = { sleep: async () => undefined, maxAttempts: 1 };
const DB_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/ferry-AbCdEf';

/** A zone for `record` (its zone is the name less its first label), holding a CNAME to `host` if given; returns the zone's id. */
async function zoneWith(host: string | undefined, record = 'db.orders.internal'): Promise<string> {
  const zone = await route53.send(new CreateHostedZoneCommand({ Name: record.replace(/^[^.]+\./, ''), CallerReference: unique('ferry-test') }));
  const zoneId = zone.HostedZone!.Id!.replace('/hostedzone/', '');
  if (host !== undefined) await addCname(zoneId, record, host);
  return zoneId;
}

const addCname = (zoneId: string, name: string, host: string) =>
  route53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: zoneId,
      ChangeBatch: { Changes: [{ Action: 'CREATE', ResourceRecordSet: { Name: name, Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: host }] } }] },
    }),
  );

/** Moto's zone ids do not start with Z as Route 53's do, so the config's schema would refuse them: parse with a real-looking one, then use moto's. */
function route53Migration(zoneId: string, recordName: string): MigrationConfig {
  const m = migration({ strategy: 'route53', hostedZoneId: 'Z0847162QW7G2KJXNB4R', recordName });
  return { ...m, switch: { ...m.switch, hostedZoneId: zoneId } as MigrationConfig['switch'] };
}

const moto = useMoto();
let ssm: SSMClient;
let secretsManager: SecretsManagerClient;
let route53: Route53Client;
beforeAll(() => {
  ssm = new SSMClient(moto.clientConfig());
  secretsManager = new SecretsManagerClient(moto.clientConfig());
  route53 = new Route53Client(moto.clientConfig());
});
afterAll(() => {
  for (const client of [ssm, secretsManager, route53]) client.destroy();
});

let names = 0;
/** A name no other test in this file uses, since they share one moto server. */
const unique = (stem: string) => `${stem}-${++names}`;

function migration(switchConfig: MigrationConfigInput['switch']): MigrationConfig {
  return MigrationSchema.parse({
    id: 'orders',
    source: { host: SOURCE_HOST, port: 5432, database: 'orders', secretArn: DB_SECRET },
    target: { host: TARGET_HOST, port: 6432, database: 'orders', secretArn: DB_SECRET },
    replication: { engine: 'native' },
    switch: switchConfig,
  } satisfies MigrationConfigInput);
}

describe('the SSM parameter switch, against moto', () => {
  const parameter = async (value: string, type: 'String' | 'SecureString' = 'String') => {
    const name = unique('/orders/db-endpoint');
    await ssm.send(new PutParameterCommand({ Name: name, Value: value, Type: type }));
    return name;
  };
  const newSwitch = (parameterName: string, format: SsmParameterFormat = 'host-port') =>
    new SsmParameterSwitch({ ssm, parameterName, format, endpoints: ENDPOINTS, retry: NO_RETRY });
  const read = async (name: string) => (await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }))).Parameter!;

  it('overwrites the parameter with the target endpoint, which GetParameter then returns as a new version', async () => {
    const name = await parameter(`${SOURCE_HOST}:5432`);

    const outcome = await newSwitch(name).pointTo('target');

    const stored = await read(name);
    expect(outcome).toMatchObject({ action: 'switched', side: 'target', to: `${TARGET_HOST}:6432`, message: expect.stringContaining('version 2') });
    expect(stored).toMatchObject({ Value: `${TARGET_HOST}:6432`, Version: 2, Type: 'String' });
  });

  it('keeps a SecureString a SecureString, reading it decrypted', async () => {
    const name = await parameter(JSON.stringify({ host: SOURCE_HOST, port: 5432, database: 'orders', sslmode: 'verify-full' }), 'SecureString');

    await newSwitch(name, 'json').pointTo('target');

    const stored = await read(name);
    expect(stored.Type).toBe('SecureString');
    expect(JSON.parse(stored.Value!)).toStrictEqual({ host: TARGET_HOST, port: 6432, database: 'orders', sslmode: 'verify-full' });
  });

  it('points back at the source on rollback, and writes no version when it already points there', async () => {
    const name = await parameter(`${TARGET_HOST}:6432`);
    const sw = newSwitch(name);

    await sw.pointTo('source');
    const again = await sw.pointTo('source');

    const history = await ssm.send(new GetParameterHistoryCommand({ Name: name }));
    expect(again.action).toBe('already');
    expect(history.Parameters?.map((p) => p.Value)).toEqual([`${TARGET_HOST}:6432`, `${SOURCE_HOST}:5432`]);
  });

  it('refuses a value it did not write, and the parameter keeps it', async () => {
    const name = await parameter('orders-replica.c9akciq32rlx.eu-west-1.rds.amazonaws.com:5432');

    const attempt = newSwitch(name).pointTo('target');

    await expect(attempt).rejects.toBeInstanceOf(SwitchUnexpectedValueError);
    expect((await read(name)).Version).toBe(1);
  });

  it('fails on a parameter that does not exist (ParameterNotFound), saying how to create it', async () => {
    const attempt = newSwitch('/orders/no-such-parameter').current();

    await expect(attempt).rejects.toBeInstanceOf(SwitchFailedError);
    await expect(attempt).rejects.toThrow(
      'SSM GetParameter on parameter /orders/no-such-parameter found nothing (ParameterNotFound: ' +
        `Parameter /orders/no-such-parameter not found.). Create the parameter with the source endpoint before the cutover ` +
        `(aws ssm put-parameter --name /orders/no-such-parameter --type String --value '${SOURCE_HOST}:5432')`,
    );
  });
});

describe('the Secrets Manager switch, against moto', () => {
  const APP_SECRET = { username: 'orders_app', password: 'q7#Vx!9pL$2mZr&T', engine: 'postgres', host: SOURCE_HOST, port: 5432, dbname: 'orders' };
  const secret = async (fields: Record<string, unknown> = APP_SECRET) =>
    (await secretsManager.send(new CreateSecretCommand({ Name: unique('orders/app-db'), SecretString: JSON.stringify(fields) }))).ARN!;
  const newSwitch = (secretArn: string) => new SecretsManagerSwitch({ secretsManager, secretArn, endpoints: ENDPOINTS, retry: NO_RETRY });
  const current = async (arn: string) => secretsManager.send(new GetSecretValueCommand({ SecretId: arn }));

  it('puts a new current version naming the target and keeps every other field, the password included', async () => {
    const arn = await secret();

    const outcome = await newSwitch(arn).pointTo('target');

    const stored = await current(arn);
    expect(JSON.parse(stored.SecretString!)).toStrictEqual({ ...APP_SECRET, host: TARGET_HOST, port: 6432 });
    expect(stored.VersionStages).toContain('AWSCURRENT');
    expect(outcome).toMatchObject({ action: 'switched', from: `${SOURCE_HOST}:5432/orders`, to: `${TARGET_HOST}:6432/orders` });
    expect(outcome.message).not.toContain(APP_SECRET.password);
  });

  it('keeps a port written as a string a string', async () => {
    const arn = await secret({ ...APP_SECRET, port: '5432' });

    await newSwitch(arn).pointTo('target');

    expect(JSON.parse((await current(arn)).SecretString!).port).toBe('6432');
  });

  it('adds one version per switch, the previous one kept as AWSPREVIOUS', async () => {
    const arn = await secret();
    const sw = newSwitch(arn);

    await sw.pointTo('target');
    await sw.pointTo('target');

    const versions = await secretsManager.send(new ListSecretVersionIdsCommand({ SecretId: arn }));
    expect(versions.Versions?.map((v) => v.VersionStages).sort()).toEqual([['AWSCURRENT'], ['AWSPREVIOUS']]);
  });

  it('fails on a secret that does not exist (ResourceNotFoundException), saying what to check', async () => {
    const missing = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/gone-Zz9Yy8';

    const attempt = newSwitch(missing).current();

    await expect(attempt).rejects.toBeInstanceOf(SwitchFailedError);
    await expect(attempt).rejects.toThrow(
      `Secrets Manager GetSecretValue on secret ${missing} found nothing (ResourceNotFoundException: ` +
        "Secrets Manager can't find the specified secret.). Check secretArn in the migration config",
    );
  });

  it('fails on a secret scheduled for deletion, which Secrets Manager refuses to read', async () => {
    const arn = await secret();
    await secretsManager.send(new DeleteSecretCommand({ SecretId: arn, RecoveryWindowInDays: 7 }));

    const attempt = newSwitch(arn).pointTo('target');

    await expect(attempt).rejects.toBeInstanceOf(SwitchFailedError);
    await expect(attempt).rejects.toThrow(`Secrets Manager GetSecretValue on secret ${arn} was refused (InvalidRequestException:`);
  });
});

describe('the Route 53 switch, against moto', () => {
  const RECORD = 'db.orders.internal';
  const newSwitch = (hostedZoneId: string, recordName = RECORD) =>
    new Route53Switch({ route53, hostedZoneId, recordName, ttlSeconds: 30, endpoints: ENDPOINTS, retry: NO_RETRY, sleep: async () => undefined });
  const cnames = async (zoneId: string) =>
    ((await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }))).ResourceRecordSets ?? []).filter((r) => r.Type === 'CNAME');

  it('upserts the CNAME to the target host with the configured TTL, which ListResourceRecordSets then shows', async () => {
    const zoneId = await zoneWith(SOURCE_HOST);

    const outcome = await newSwitch(zoneId).pointTo('target');

    expect(outcome).toMatchObject({ action: 'switched', from: SOURCE_HOST, to: TARGET_HOST, message: expect.stringContaining('INSYNC') });
    expect(await cnames(zoneId)).toEqual([{ Name: `${RECORD}.`, Type: 'CNAME', TTL: 30, ResourceRecords: [{ Value: TARGET_HOST }] }]);
  });

  it('finds the record among others of its zone, named in capitals with the final dot, and points it back at the source', async () => {
    const zoneId = await zoneWith(TARGET_HOST);
    await addCname(zoneId, `reports.${RECORD}`, 'reports.example');

    await newSwitch(zoneId, `${RECORD.toUpperCase()}.`).pointTo('source');

    const values = Object.fromEntries((await cnames(zoneId)).map((r) => [r.Name, r.ResourceRecords?.[0]?.Value]));
    expect(values).toEqual({ [`${RECORD}.`]: SOURCE_HOST, [`reports.${RECORD}.`]: 'reports.example' });
  });

  it('refuses a zone without the record, and creates none', async () => {
    const zoneId = await zoneWith(undefined);

    const attempt = newSwitch(zoneId).pointTo('target');

    await expect(attempt).rejects.toBeInstanceOf(SwitchUnexpectedValueError);
    await expect(attempt).rejects.toThrow(`Route 53 record ${RECORD} (CNAME, zone ${zoneId}) is (no record)`);
    expect(await cnames(zoneId)).toEqual([]);
  });

  it('fails on a hosted zone that does not exist (NoSuchHostedZone), saying what to check', async () => {
    const attempt = newSwitch('Z0847162QW7G2KJXNB4R').current();

    await expect(attempt).rejects.toBeInstanceOf(SwitchFailedError);
    await expect(attempt).rejects.toThrow(
      `Route 53 ListResourceRecordSets on record ${RECORD} in hosted zone Z0847162QW7G2KJXNB4R found nothing (NoSuchHostedZone: ` +
        'No hosted zone found with ID: Z0847162QW7G2KJXNB4R). Check hostedZoneId in the migration config',
    );
  });
});

describe('createSwitch, with the clients the functions make (endpoint and credentials from the environment)', () => {
  beforeAll(() => {
    vi.stubEnv('AWS_ENDPOINT_URL', moto.endpoint);
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', MOTO_CREDENTIALS.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', MOTO_CREDENTIALS.secretAccessKey);
  });
  afterEach(() => resetSwitchClients());
  afterAll(() => vi.unstubAllEnvs());

  it('switches an SSM parameter through its own SSM client', async () => {
    const name = unique('/orders/wired');
    await ssm.send(new PutParameterCommand({ Name: name, Value: SOURCE_HOST, Type: 'String' }));

    const sw = await createSwitch(migration({ strategy: 'ssm-parameter', parameterName: name }), staticSecrets({}));
    await sw.pointTo('target');

    expect((await ssm.send(new GetParameterCommand({ Name: name }))).Parameter?.Value).toBe(TARGET_HOST);
  });

  it('switches a secret through its own Secrets Manager client', async () => {
    const arn = (await secretsManager.send(new CreateSecretCommand({ Name: unique('orders/wired'), SecretString: JSON.stringify({ host: SOURCE_HOST, port: 5432, dbname: 'orders' }) }))).ARN!;

    const sw = await createSwitch(migration({ strategy: 'secrets-manager', secretArn: arn }), staticSecrets({}));
    await sw.pointTo('target');

    expect(JSON.parse((await secretsManager.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString!).host).toBe(TARGET_HOST);
  });

  it("switches a Route 53 record through its own client, Route 53's API being global", async () => {
    const zoneId = await zoneWith(SOURCE_HOST, 'db.wired.internal');

    const sw = await createSwitch(route53Migration(zoneId, 'db.wired.internal'), staticSecrets({}));
    await sw.pointTo('target');

    const records = await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, StartRecordName: 'db.wired.internal', StartRecordType: 'CNAME' }));
    expect(records.ResourceRecordSets?.[0]?.ResourceRecords).toEqual([{ Value: TARGET_HOST }]);
  });
});

describe('the switch-ready guardrail, against moto', () => {
  it('proves an SSM parameter readable and on the source, and changes nothing', async () => {
    const name = unique('/orders/ready');
    await ssm.send(new PutParameterCommand({ Name: name, Value: `${SOURCE_HOST}:5432`, Type: 'String' }));
    const m = migration({ strategy: 'ssm-parameter', parameterName: name, format: 'host-port' });

    const ready = await switchReady(m, async () => new SsmParameterSwitch({ ssm, parameterName: name, format: 'host-port', endpoints: ENDPOINTS, retry: NO_RETRY }));

    expect(ready.passed).toBe(true);
    expect(ready.message).toContain(`Proven: SSM parameter ${name} is readable and points at the source (${SOURCE_HOST}:5432)`);
    expect((await ssm.send(new GetParameterCommand({ Name: name }))).Parameter?.Version).toBe(1);
  });

  it('fails on a record that already names the target, and changes nothing', async () => {
    const zoneId = await zoneWith(TARGET_HOST, 'db.ready.internal');
    const m = route53Migration(zoneId, 'db.ready.internal');
    const open = async () => new Route53Switch({ route53, hostedZoneId: zoneId, recordName: 'db.ready.internal', ttlSeconds: 60, endpoints: ENDPOINTS, retry: NO_RETRY });

    const ready = await switchReady(m, open);

    expect(ready).toMatchObject({ passed: false, message: expect.stringContaining(`points at ${TARGET_HOST}, not at the source`) });
  });

  it('fails on a secret that does not exist, naming the call that failed', async () => {
    const missing = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/none-Qq1Ww2';
    const m = migration({ strategy: 'secrets-manager', secretArn: missing });

    const ready = await switchReady(m, async () => new SecretsManagerSwitch({ secretsManager, secretArn: missing, endpoints: ENDPOINTS, retry: NO_RETRY }));

    expect(ready).toMatchObject({ passed: false, message: expect.stringContaining(`reading secret ${missing} failed: Secrets Manager GetSecretValue`) });
  });
});
