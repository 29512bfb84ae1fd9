import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ChangeResourceRecordSetsCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AccessDeniedException, GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { switchReady } from '../../../lambdas/guardrails/switch-ready';
import { MigrationSchema, type MigrationConfig, type MigrationConfigInput } from '../../../lambdas/shared/migration-config';
import { PgBouncerSwitch } from '../../../lambdas/shared/switch/pgbouncer';
import { Route53Switch } from '../../../lambdas/shared/switch/route53';
import { SecretsManagerSwitch } from '../../../lambdas/shared/switch/secrets-manager';
import { SsmParameterSwitch } from '../../../lambdas/shared/switch/ssm-parameter';
import { usePgBouncer } from '../../helpers/pgbouncer';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/app-db-Xa9fQ2';
const SOURCE_HOST = 'orders-db.cluster-c9akciq32rlx.eu-west-1.rds.amazonaws.com';
const TARGET_HOST = 'orders-pg16.cluster-c9akciq32rlx.eu-west-1.rds.amazonaws.com';
const ZONE = 'Z0847162QW7G2KJXNB4R';
const RECORD = 'db.orders.internal';
const PARAMETER = '/orders/db-endpoint';
const NO_RETRY = { sleep: async () => undefined, maxAttempts: 1 };

const metadata = (httpStatusCode: number) => ({ httpStatusCode, requestId: '5d1b2c1e-8f0a-4a7e-9a53-0c3f4b6f1e2a', attempts: 1, totalRetryDelay: 0 });

function migration(overrides: Partial<MigrationConfigInput>): MigrationConfig {
  return MigrationSchema.parse({
    id: 'orders',
    source: { host: SOURCE_HOST, database: 'orders', secretArn: SECRET },
    target: { host: TARGET_HOST, database: 'orders', secretArn: SECRET },
    replication: { engine: 'native' },
    switch: { strategy: 'ssm-parameter', parameterName: PARAMETER },
    ...overrides,
  });
}

const endpointsOf = (m: MigrationConfig) => ({ source: m.source, target: m.target });

describe('the switch-ready guardrail', () => {
  describe('on an SSM parameter', () => {
    const ssm = mockClient(SSMClient);
    const m = migration({});
    const open = async () => new SsmParameterSwitch({ ssm: new SSMClient({ region: 'eu-west-1' }), parameterName: PARAMETER, format: 'host', endpoints: endpointsOf(m), retry: NO_RETRY });
    const holding = (value: string) => ({ $metadata: metadata(200), Parameter: { Name: PARAMETER, Type: 'String' as const, Value: value, Version: 3 } });
    beforeEach(() => ssm.reset());

    it('passes when it holds the source, saying the read is proven and the write is not, and writes nothing', async () => {
      ssm.on(GetParameterCommand).resolves(holding(SOURCE_HOST));

      const r = await switchReady(m, open);

      expect(r).toEqual({
        passed: true,
        message:
          `Proven: SSM parameter ${PARAMETER} is readable and points at the source (${SOURCE_HOST}). ` +
          'Not proven: that ssm:PutParameter will succeed: SSM has no dry run, and the stack grants it to the switch function on exactly this resource, ' +
          'so it holds by construction unless a policy outside the stack (an SCP, a permissions boundary, a resource or key policy) denies it',
      });
      expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
    });

    it('fails when the clients already read the target', async () => {
      ssm.on(GetParameterCommand).resolves(holding(TARGET_HOST));

      const r = await switchReady(m, open);

      expect(r).toEqual({
        passed: false,
        message:
          `SSM parameter ${PARAMETER} points at ${TARGET_HOST}, not at the source (${SOURCE_HOST}:5432/orders): the clients already use the target ` +
          'although the migration is not cut over: find out who moved them before cutting over',
      });
    });

    it('fails when the parameter cannot be read, proving nothing', async () => {
      const denial = 'User: arn:aws:sts::123456789012:assumed-role/Ferry-prod-guardrails/fn is not authorized to perform: ssm:GetParameter';
      ssm.on(GetParameterCommand).rejects(new AccessDeniedException({ $metadata: metadata(400), message: denial, Message: denial }));

      const r = await switchReady(m, open);

      expect(r.passed).toBe(false);
      expect(r.message).toMatch(new RegExp(`^reading SSM parameter ${PARAMETER} failed: .*ssm:GetParameter.*\\. Nothing about the switch is proven; its switch step would fail the same way$`));
    });
  });

  describe('on a Secrets Manager secret', () => {
    const secretsManager = mockClient(SecretsManagerClient);
    const m = migration({ switch: { strategy: 'secrets-manager', secretArn: SECRET } });
    const open = async () => new SecretsManagerSwitch({ secretsManager: new SecretsManagerClient({ region: 'eu-west-1' }), secretArn: SECRET, endpoints: endpointsOf(m), retry: NO_RETRY });
    const holding = (host: string) => ({
      $metadata: metadata(200),
      ARN: SECRET,
      VersionId: 'b4a3c7e2-5d1f-4e8a-9c6b-2f0e1d7a8b93',
      SecretString: JSON.stringify({ username: 'orders_app', password: 'q7#Vx!9pL$2mZr&T', host, port: 5432, dbname: 'orders' }),
    });
    beforeEach(() => secretsManager.reset());

    it('passes when it holds the source, saying the write is not proven, and writes no version', async () => {
      secretsManager.on(GetSecretValueCommand).resolves(holding(SOURCE_HOST));

      const r = await switchReady(m, open);

      expect(r.passed).toBe(true);
      expect(r.message).toContain(`Proven: secret ${SECRET} is readable and points at the source (${SOURCE_HOST}:5432/orders)`);
      expect(r.message).toContain('Not proven: that secretsmanager:PutSecretValue will succeed: Secrets Manager has no dry run');
      expect(r.message).not.toContain('q7#Vx');
      expect(secretsManager.commandCalls(PutSecretValueCommand)).toHaveLength(0);
    });

    it('fails when it names neither database, saying the switch would refuse it', async () => {
      secretsManager.on(GetSecretValueCommand).resolves(holding('orders-old.example'));

      const r = await switchReady(m, open);

      expect(r).toMatchObject({ passed: false, message: expect.stringContaining('points at orders-old.example:5432/orders, not at the source') });
      expect(r.message).toContain('the switch step refuses to overwrite a value it did not write: put the source back');
    });
  });

  describe('on a Route 53 record', () => {
    const route53 = mockClient(Route53Client);
    const m = migration({ switch: { strategy: 'route53', hostedZoneId: ZONE, recordName: RECORD } });
    const open = async () =>
      new Route53Switch({ route53: new Route53Client({ region: 'us-east-1' }), hostedZoneId: ZONE, recordName: RECORD, ttlSeconds: 5, endpoints: endpointsOf(m), retry: NO_RETRY });
    const listing = (value: string) => ({
      $metadata: metadata(200),
      ResourceRecordSets: [{ Name: `${RECORD}.`, Type: 'CNAME' as const, TTL: 5, ResourceRecords: [{ Value: value }] }],
      IsTruncated: false,
      MaxItems: 1,
    });
    beforeEach(() => route53.reset());

    it('passes when the CNAME names the source host, changing nothing', async () => {
      route53.on(ListResourceRecordSetsCommand).resolves(listing(SOURCE_HOST));

      const r = await switchReady(m, open);

      expect(r.passed).toBe(true);
      expect(r.message).toContain(`Proven: Route 53 record ${RECORD} in zone ${ZONE} is readable and points at the source (${SOURCE_HOST})`);
      expect(r.message).toContain('Not proven: that route53:ChangeResourceRecordSets (an UPSERT of this CNAME) will succeed: Route 53 has no dry run');
      expect(route53.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(0);
    });

    it('fails when the zone has no such record', async () => {
      route53.on(ListResourceRecordSetsCommand).resolves({ $metadata: metadata(200), ResourceRecordSets: [], IsTruncated: false, MaxItems: 1 });

      const r = await switchReady(m, open);

      expect(r).toMatchObject({ passed: false, message: expect.stringContaining(`Route 53 record ${RECORD} in zone ${ZONE} points at (no record), not at the source`) });
    });
  });

  describe('on PgBouncer', () => {
    // The endpoints are never connected to: SHOW DATABASES shows a line's host and port as configured.
    const SOURCE = { host: '127.0.0.1', port: 15432, database: 'orders' };
    const TARGET = { host: '127.0.0.1', port: 15433, database: 'orders' };
    const line = (e: { port: number }) => `orders = host=127.0.0.1 port=${e.port} dbname=orders`;
    const bouncer = usePgBouncer(() => ({ databasesFile: `[databases]\n${line(SOURCE)}\n`, users: {} }));
    let scratch: string | undefined;
    afterEach(async () => {
      if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
      scratch = undefined;
    });

    const pgbouncerMigration = (databasesFile: string) =>
      migration({
        source: { ...SOURCE, secretArn: SECRET },
        target: { ...TARGET, secretArn: SECRET },
        switch: { strategy: 'pgbouncer', host: bouncer.host, port: bouncer.port, database: 'orders', adminSecretArn: SECRET, databasesFile },
      });
    const openFor = (m: MigrationConfig, admin = bouncer.admin) => async () => {
      if (m.switch.strategy !== 'pgbouncer') throw new Error('not a PgBouncer migration');
      return new PgBouncerSwitch({ host: m.switch.host, port: m.switch.port, database: 'orders', databasesFile: m.switch.databasesFile, admin, endpoints: endpointsOf(m), consoleTimeoutMs: 5000 });
    };
    /** A copy of the databases file somewhere else, with `content`. */
    async function copy(content: string): Promise<string> {
      scratch = await mkdtemp(path.join(tmpdir(), 'ferry-switch-ready-'));
      const file = path.join(scratch, 'databases.ini');
      await writeFile(file, content);
      return file;
    }

    it('passes when PgBouncer and its file point at the source, the console answers and the file may be rewritten, saying PAUSE and RELOAD were not tried', async () => {
      const m = pgbouncerMigration(bouncer.databasesFile);

      const r = await switchReady(m, openFor(m));

      expect(r.passed).toBe(true);
      expect(r.message).toMatch(/^Proven: PgBouncer database "orders" at 127\.0\.0\.1:\d+ is readable and points at the source \(127\.0\.0\.1:15432\/orders\); /);
      expect(r.message).toMatch(/the admin console logs in and answers SHOW VERSION \(PgBouncer 1\.\d+/);
      expect(r.message).toContain(`${bouncer.databasesFile} line 2 points "orders" at the source`);
      expect(r.message).toContain(`${bouncer.databasesFile} and its directory are writable from here`);
      expect(r.message).toContain('Not proven: PAUSE and RELOAD, which are not tried because clients would wait');
    });

    it('fails when the console refuses the login, saying what was still proven', async () => {
      const m = pgbouncerMigration(bouncer.databasesFile);

      const r = await switchReady(m, openFor(m, { username: bouncer.admin.username, password: 'wrong' }));

      expect(r.passed).toBe(false);
      expect(r.message).toMatch(/^the admin console did not answer SHOW VERSION: Cannot log in to the PgBouncer console at 127\.0\.0\.1:\d+ as ferry_admin: /);
      expect(r.message).toContain(`Proven: PgBouncer database "orders" at ${bouncer.host}:${bouncer.port} is readable and points at the source`);
    });

    it('fails when the databases file points elsewhere than PgBouncer does (changed without a RELOAD)', async () => {
      const m = pgbouncerMigration(await copy(`[databases]\n${line(TARGET)}\n`));

      const r = await switchReady(m, openFor(m));

      expect(r.passed).toBe(false);
      expect(r.message).toContain('line 2 points "orders" at 127.0.0.1:15433/orders, not at the source, while PgBouncer uses the source');
    });

    it('fails when the databases file cannot be written', async (ctx) => {
      const file = await copy(`[databases]\n${line(SOURCE)}\n`);
      const undo = await makeUnwritable(file);
      if (undo === undefined) return ctx.skip();
      try {
        const m = pgbouncerMigration(file);

        const r = await switchReady(m, openFor(m));

        expect(r.passed).toBe(false);
        expect(r.message).toMatch(new RegExp(`^${file.replace(/[.]/g, '\\.')} or its directory is not writable from here, so the switch could not rewrite the line: E(ACCES|PERM)`));
        expect(r.message).toContain('the admin console logs in and answers SHOW VERSION');
      } finally {
        await undo();
      }
    });
  });
});

/**
 * Makes a file unwritable for this process: read-only mode for an ordinary user; for root, whom
 * modes do not stop, the immutable attribute (chattr +i). Undefined when neither works here.
 */
async function makeUnwritable(file: string): Promise<(() => Promise<void>) | undefined> {
  if (process.getuid?.() !== 0) {
    await chmod(file, 0o444);
    return () => chmod(file, 0o644);
  }
  const run = promisify(execFile);
  try {
    await run('chattr', ['+i', file]);
  } catch {
    return undefined;
  }
  return async () => void (await run('chattr', ['-i', file]));
}
