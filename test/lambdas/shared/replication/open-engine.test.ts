import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DatabaseMigrationServiceClient } from '@aws-sdk/client-database-migration-service';
import { describe, expect, it } from 'vitest';
import { MigrationSchema, type MigrationConfig } from '../../../../lambdas/shared/migration-config';
import { createEngine, ensureReverseSlot } from '../../../../lambdas/shared/replication/open-engine';
import { staticSecrets } from '../../../../lambdas/shared/secrets';
import { useFreshPairEachTest } from '../../../helpers/database-pair';
import { REPLICATION_TIMEOUT, replicationObjects, NOTHING } from './native/native.fixture';

const SOURCE_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-source-AbCdEf';
const TARGET_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-target-AbCdEf';
const DMS_ARN = (kind: string, id: string) => `arn:aws:dms:eu-west-1:123456789012:${kind}:${id}`;

function migrationOf(sourceUrl: string, targetUrl: string, replication: Record<string, unknown>): MigrationConfig {
  const endpoint = (url: string, secretArn: string) => {
    const u = new URL(url);
    return { host: u.hostname, port: Number(u.port), database: u.pathname.slice(1), secretArn, sslMode: 'require' };
  };
  return MigrationSchema.parse({
    id: 'open-engine',
    source: endpoint(sourceUrl, SOURCE_SECRET),
    target: endpoint(targetUrl, TARGET_SECRET),
    replication,
    switch: { strategy: 'ssm-parameter', parameterName: '/orders/db' },
  });
}

const pair = useFreshPairEachTest();

describe('createEngine', () => {
  it('builds the native engine from the configuration, with credentials from the Secrets port, and it replicates', async () => {
    await pair.bothSql(`create table orders (id int primary key, total numeric)`);
    await pair.sourceSql(`insert into orders select i, i from generate_series(1, 20) i`);
    const credentials = (url: string) => ({ username: decodeURIComponent(new URL(url).username), password: decodeURIComponent(new URL(url).password) });
    const secrets = staticSecrets({ [SOURCE_SECRET]: credentials(pair.sourceUrl), [TARGET_SECRET]: credentials(pair.targetUrl) });
    const migration = migrationOf(pair.sourceUrl, pair.targetUrl, { engine: 'native', replicationName: `ferry_open_${Date.now()}` });

    const engine = await createEngine(migration, { source: pair.source, target: pair.target, secrets, insecureNoTls: true });
    try {
      expect(engine.kind).toBe('native');
      await engine.start();
      await expect.poll(async () => (await engine.status()).state, REPLICATION_TIMEOUT).toBe('cdc');
      expect((await pair.targetSql(`select count(*)::int as n from orders`)).rows[0].n).toBe(20);
    } finally {
      await engine.stop();
    }
    expect(await replicationObjects(pair.sourceSql)).toEqual(NOTHING);
  });

  it('builds the DMS engine from the deployed resource record', async () => {
    const migration = migrationOf(pair.sourceUrl, pair.targetUrl, { engine: 'dms-serverless' });
    const resource = { kind: 'serverless' as const, forwardArn: DMS_ARN('replication-config', 'FWD'), reverseArn: DMS_ARN('replication-config', 'REV') };

    const engine = await createEngine(migration, {
      source: pair.source,
      target: pair.target,
      secrets: staticSecrets({}),
      dms: { dms: new DatabaseMigrationServiceClient({ region: 'eu-west-1' }), cloudwatch: new CloudWatchClient({ region: 'eu-west-1' }), resource },
    });

    expect(engine).toMatchObject({ kind: 'dms', direction: 'forward' });
  });

  it('refuses a DMS migration without the DMS clients and resource, naming the migration', async () => {
    const migration = migrationOf(pair.sourceUrl, pair.targetUrl, { engine: 'dms-instance' });

    await expect(createEngine(migration, { source: pair.source, target: pair.target, secrets: staticSecrets({}) })).rejects.toThrow(
      "migration 'open-engine' uses dms-instance: DMS clients and resources are required",
    );
  });
});

describe('ensureReverseSlot', () => {
  it('creates the reverse slot once, where the target is now, and returns the same position when called again', async () => {
    const slot = `ferry_reverse_test_${Date.now()}`;
    try {
      const first = await ensureReverseSlot(pair.target, slot);
      await pair.targetSql(`create table t (id int); insert into t values (1)`);
      const again = await ensureReverseSlot(pair.target, slot);

      expect(first).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
      expect(again).toBe(first);
      const slots = await pair.targetSql(`select plugin, slot_type from pg_replication_slots where slot_name = $1`, [slot]);
      expect(slots.rows).toEqual([{ plugin: 'test_decoding', slot_type: 'logical' }]);
    } finally {
      await pair.targetSql(`select pg_drop_replication_slot($1)`, [slot]);
    }
  });
});
