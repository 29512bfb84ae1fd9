import { describe, expect, it } from 'vitest';
import { compareData } from '../../../../../lambdas/shared/compare/data/compare';
import { useFreshPairEachTest } from '../../../../helpers/database-pair';

describe('data comparison of tables', () => {
  const pair = useFreshPairEachTest();

  it('names missing, extra and changed rows by their composite key', async () => {
    await pair.bothSql(`create table lines (order_id bigint, line int, sku text, qty int, primary key (order_id, line));
      insert into lines select o, l, 'sku-' || o || '-' || l, l from generate_series(1, 300) o, generate_series(1, 5) l`);
    await pair.targetSql(`delete from lines where order_id = 17 and line = 3;
      insert into lines values (301, 1, 'new', 1);
      update lines set qty = 99 where order_id = 200 and line = 5`);
    const { tables } = await compareData(pair.source, pair.target, { segmentRows: 200, leafRows: 20, fanout: 4 });
    expect(tables).toEqual([
      expect.objectContaining({
        table: 'public.lines',
        status: 'different',
        rows: 1500,
        targetRows: 1500,
        missing: [{ order_id: 17, line: 3 }],
        extra: [{ order_id: 301, line: 1 }],
        changed: [{ key: { order_id: 200, line: 5 }, columns: ['qty'] }],
        missingTotal: 1,
        extraTotal: 1,
        changedTotal: 1,
      }),
    ]);
  });

  it('uses a unique NOT NULL key when there is no primary key', async () => {
    await pair.bothSql(`create table users (email text not null unique, name text); insert into users select 'u' || i || '@x', 'n' from generate_series(1, 100) i`);
    await pair.targetSql(`update users set name = 'm' where email = 'u7@x'`);
    const { tables } = await compareData(pair.source, pair.target);
    expect(tables[0]).toMatchObject({ status: 'different', warnings: [], changed: [{ key: { email: 'u7@x' }, columns: ['name'] }] });
  });

  it('compares a table without a usable key as a multiset of rows, with a warning', async () => {
    await pair.bothSql(`create table events (kind text, n int); insert into events select 'click', i % 3 from generate_series(1, 90) i`);
    const equal = await compareData(pair.source, pair.target);
    expect(equal.tables[0]).toMatchObject({ status: 'warning', rows: 90, missingTotal: 0, extraTotal: 0 });
    expect(equal.tables[0]!.warnings[0]).toMatch(/no primary key or unique NOT NULL key/);

    // One duplicate fewer on the target is still found: a multiset, not a set.
    await pair.targetSql(`delete from events where ctid = (select ctid from events where n = 1 limit 1); insert into events values ('view', 7)`);
    const different = await compareData(pair.source, pair.target);
    expect(different.tables[0]).toMatchObject({
      status: 'different',
      missingTotal: 1,
      extraTotal: 1,
      missing: [{ kind: 'click', n: 1 }],
      extra: [{ kind: 'view', n: 7 }],
    });
  });

  it('counts every row of a table missing on the target, and of one only on the target', async () => {
    await pair.sourceSql(`create table gone (id int primary key); insert into gone select generate_series(1, 12)`);
    await pair.targetSql(`create table added (id int primary key); insert into added select generate_series(1, 5)`);
    const { tables } = await compareData(pair.source, pair.target);
    expect(tables.map((t) => [t.table, t.status, t.missingTotal, t.extraTotal])).toEqual([
      ['public.gone', 'different', 12, 0],
      ['public.added', 'different', 0, 5],
    ]);
  });

  it('compares the shared columns and warns about the others', async () => {
    await pair.sourceSql(`create table t (id int primary key, a int, legacy text); insert into t values (1, 1, 'x')`);
    await pair.targetSql(`create table t (id int primary key, a int, added text); insert into t values (1, 1, 'y')`);
    const { tables } = await compareData(pair.source, pair.target);
    expect(tables[0]).toMatchObject({ status: 'warning' });
    expect(tables[0]!.warnings).toEqual([
      'columns only in the source, not compared: legacy',
      'columns only in the target, not compared: added',
    ]);
  });

  it('compares a partitioned table through its parent, once', async () => {
    await pair.bothSql(`create table m (id int, at date, primary key (id, at)) partition by range (at);
      create table m_2024 partition of m for values from ('2024-01-01') to ('2025-01-01');
      create table m_2025 partition of m for values from ('2025-01-01') to ('2026-01-01');
      insert into m select i, date '2024-06-01' + (i % 400) from generate_series(1, 500) i`);
    await pair.targetSql(`delete from m where id = 450`);
    const { tables } = await compareData(pair.source, pair.target);
    expect(tables.map((t) => t.table)).toEqual(['public.m']);
    expect(tables[0]).toMatchObject({ rows: 500, missingTotal: 1 });
  });

  it('selects tables by include and exclude patterns', async () => {
    await pair.bothSql(`create schema billing; create table billing.invoices (id int primary key); create table billing.tmp_x (id int primary key);
      create table public.orders (id int primary key)`);
    const { tables } = await compareData(pair.source, pair.target, { selection: { include: ['billing.*'], exclude: ['*.tmp_*'] } });
    expect(tables.map((t) => t.table)).toEqual(['billing.invoices']);
  });

  it('caps the listed keys at maxKeys and keeps the totals exact', async () => {
    await pair.bothSql(`create table t (id int primary key, v int); insert into t select i, i from generate_series(1, 1000) i`);
    await pair.targetSql(`update t set v = -v where id % 10 = 0`);
    const { tables } = await compareData(pair.source, pair.target, { maxKeys: 5, segmentRows: 300, leafRows: 50 });
    expect(tables[0]).toMatchObject({ changedTotal: 100 });
    expect(tables[0]!.changed).toHaveLength(5);
  });

  it('reads bigint keys back as JSON numbers where exact, and as text beyond 2^53', async () => {
    await pair.bothSql(`create table big (id bigint primary key, v int); insert into big values (5, 1), (9007199254740993, 1)`);
    await pair.targetSql(`update big set v = 2`);
    const { tables } = await compareData(pair.source, pair.target);
    expect(tables[0]!.changed.map((c) => c.key)).toEqual(expect.arrayContaining([{ id: 5 }, { id: '9007199254740993' }]));
  });

  it('finds rows on the target beyond both ends of the source key range', async () => {
    await pair.bothSql(`create table t (id int primary key); insert into t select generate_series(100, 5000)`);
    await pair.targetSql(`insert into t values (1), (999999)`);
    const { tables } = await compareData(pair.source, pair.target, { segmentRows: 500, leafRows: 64 });
    expect(tables[0]).toMatchObject({ extraTotal: 2, extra: [{ id: 1 }, { id: 999999 }] });
  });

  it('compares text keys in byte order when the two sides collate differently', async () => {
    await pair.sourceSql(`create table words (w text collate "C" primary key, n int)`);
    await pair.targetSql(`create table words (w text collate "POSIX" primary key, n int)`);
    await pair.bothSql(`insert into words select chr(65 + i % 26) || chr(97 + i % 7) || i, i from generate_series(1, 2000) i`);
    await pair.targetSql(`update words set n = 0 where n = 1234`);
    const { tables } = await compareData(pair.source, pair.target, { segmentRows: 300, leafRows: 40 });
    expect(tables[0]!.warnings[0]).toMatch(/key collations differ/);
    expect(tables[0]).toMatchObject({ changedTotal: 1, missingTotal: 0, extraTotal: 0 });
  });
});
