import { describe, expect, it } from 'vitest';
import { indexesReady } from '../../../lambdas/guardrails/indexes';
import { indexesStep } from '../../../lambdas/indexes/step';
import { readSchemaSnapshot } from '../../../lambdas/shared/compare/schema/read-snapshot';
import { withDeadline } from '../../../lambdas/shared/runtime';
import { useFreshPairEachTest } from '../../helpers/database-pair';
import { useDynalite } from '../../helpers/dynalite';
import { migrateHarness } from '../../statemachines/migrate.fixture';

const SCHEMA = `
  create table customers (id int primary key, email text unique);
  create table orders (id bigint primary key, customer int references customers (id), placed timestamptz, total numeric);
  create index orders_customer_idx on orders (customer);
  create index "Orders by day" on orders (date_trunc('day', placed at time zone 'UTC'), total desc) where total > 0;`;

const ROWS = `
  insert into customers select i, 'c' || i || '@example.com' from generate_series(1, 500) i;
  insert into orders select i, 1 + i % 500, timestamptz '2026-01-01' + i * interval '1 minute', i % 89 from generate_series(1, 30000) i;`;

/** The indexes step against real servers: what the migrate workflow drops before the copy, it builds again exactly. */
describe('indexes step', () => {
  const pair = useFreshPairEachTest();
  const dynamo = useDynalite();

  it('drops the secondary indexes before the copy and builds them again so that the schema is what it was', async () => {
    await pair.bothSql(SCHEMA);
    const m = await migrateHarness(pair, dynamo, 'indexes-1');
    const before = await readSchemaSnapshot(pair.target, { selection: m.runtime.migration(m.migrationId).tables });

    const deferred = await indexesStep({ migrationId: m.migrationId, action: 'defer' }, m.runtime);
    const during = (await pair.targetSql(`select indexrelid::regclass::text as name from pg_index where indrelid in ('orders'::regclass, 'customers'::regclass) order by 1`)).rows;
    await pair.targetSql(ROWS);
    await pair.sourceSql(ROWS);
    const built = await indexesStep({ migrationId: m.migrationId, action: 'build' }, m.runtime, 20);

    expect(deferred).toMatchObject({ action: 'defer', enabled: true, dropped: 2, resumed: false });
    expect(during).toEqual([{ name: 'customers_email_key' }, { name: 'customers_pkey' }, { name: 'orders_pkey' }]);
    expect(built).toMatchObject({ action: 'build', done: true, total: 2, valid: 2 });
    expect(await readSchemaSnapshot(pair.target, { selection: m.runtime.migration(m.migrationId).tables })).toEqual(before);
    expect(await indexesReady(m.runtime.migration(m.migrationId), pair)).toMatchObject({ passed: true });
  });

  it('returns before its deadline while builds run, and a later call finds them done', async () => {
    await pair.targetSql(SCHEMA);
    const m = await migrateHarness(pair, dynamo, 'indexes-2');
    await indexesStep({ migrationId: m.migrationId, action: 'defer' }, m.runtime);
    await pair.targetSql(ROWS);

    const first = await indexesStep({ migrationId: m.migrationId, action: 'build' }, withDeadline(m.runtime, Date.now()), 20);
    const later = await indexesStep({ migrationId: m.migrationId, action: 'build' }, m.runtime, 20);

    expect(first).toMatchObject({ done: false, total: 2, building: 1 });
    expect(first.message).toMatch(/the builds go on on the server/);
    expect(later).toMatchObject({ done: true, valid: 2 });
  });

  it('leaves the indexes alone when fullLoad.deferIndexes is off, and has nothing to build', async () => {
    await pair.targetSql(SCHEMA);
    const m = await migrateHarness(pair, dynamo, 'indexes-3', { config: { fullLoad: { deferIndexes: false } } });

    const deferred = await indexesStep({ migrationId: m.migrationId, action: 'defer' }, m.runtime);
    const built = await indexesStep({ migrationId: m.migrationId, action: 'build' }, m.runtime);

    expect(deferred).toMatchObject({ enabled: false, dropped: 0 });
    expect(built).toMatchObject({ done: true, total: 0 });
    expect((await pair.targetSql(`select count(*)::int as n from pg_indexes where tablename = 'orders'`)).rows).toEqual([{ n: 3 }]);
  });

  it('names the field of a bad action and changes nothing', async () => {
    await pair.targetSql(SCHEMA);
    const m = await migrateHarness(pair, dynamo, 'indexes-4');

    await expect(indexesStep({ migrationId: m.migrationId, action: 'drop' }, m.runtime)).rejects.toThrow(/action/);
    expect((await pair.targetSql(`select count(*)::int as n from pg_indexes where tablename = 'orders'`)).rows).toEqual([{ n: 3 }]);
  });
});
