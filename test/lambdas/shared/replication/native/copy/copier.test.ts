import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { DatabaseRef } from '../../../../../../lambdas/shared/pg/connection';
import {
  assertEmpty,
  CopyAbortedError,
  copyTables,
  CopyTableMissingError,
  CopyTargetNotEmptyError,
  createSnapshotSlot,
  discardPartialCopy,
  parallelCopy,
  ReplicaRoleRefusedError,
  SnapshotSlotRefusedError,
  TableCopyFailedError,
  type CopyProgress,
} from '../../../../../../lambdas/shared/replication/native/copy';
import { planUnits } from '../../../../../../lambdas/shared/replication/native/copy/units';
import { unitStatements } from '../../../../../../lambdas/shared/replication/native/copy/unit-copy';
import { conninfo } from '../../../../../../lambdas/shared/replication/native/conninfo';
import { usePostgresPair, type DatabasePair } from '../../../../../helpers/database-pair';
import { connectionOf } from '../native.fixture';

const ITEMS = { schema: 'public', name: 'items' };
const REPLICATION = { timeout: 30_000, interval: 100 } as const;

const refs = (pair: DatabasePair): { source: DatabaseRef; target: DatabaseRef } => ({
  source: { label: 'source database', config: { connectionString: pair.sourceUrl } },
  target: { label: 'target database', config: { connectionString: pair.targetUrl } },
});
/** Slot names are per server and the servers are shared by the file's tests: one per database. */
const slotOf = (pair: DatabasePair) => `ferry_copy_${new URL(pair.sourceUrl).pathname.slice(1)}`;

/** The copy's own sessions still open in the pair's databases, on either server. */
async function copySessions(pair: DatabasePair): Promise<number> {
  const sql = `select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name like 'ferry-copy%'`;
  const [source, target] = await Promise.all([pair.sourceSql(sql), pair.targetSql(sql)]);
  return source.rows[0].n + target.rows[0].n;
}

const fingerprint = async (sql: DatabasePair['sourceSql'], table: string) =>
  (await sql(`select count(*)::int as rows, count(distinct id)::int as keys, md5(string_agg(t::text, ',' order by id)) as hash from ${table} t`)).rows[0];

/**
 * Inserts, updates, deletes and key changes on the source, one short transaction each, until
 * stopped: from before the slot exists, through the copy, to after the subscription starts.
 */
function startWriter(url: string) {
  const client = new pg.Client({ connectionString: url });
  let stopped = false;
  let nextId = 1_000_000;
  const state = { writes: 0 };
  const random = () => 1 + Math.floor(Math.random() * 50_000);
  const loop = (async () => {
    await client.connect();
    while (!stopped) {
      const op = state.writes % 4;
      if (op === 0) await client.query('insert into items values ($1, $2, $3)', [nextId++, 7, 'inserted']);
      else if (op === 1) await client.query(`update items set v = v || '+', k = k + 1 where id = $1`, [random()]);
      else if (op === 2) await client.query('delete from items where id = $1', [random()]);
      else await client.query('update items set id = $2 where id = $1', [random(), nextId++]);
      state.writes += 1;
    }
    await client.end();
  })();
  return { state, stop: async () => ((stopped = true), await loop) };
}

/** The parallel copy against two real servers: consistent with the subscription that follows it, and clean when it fails. */
describe('parallel copy under an exported snapshot', () => {
  const servers = usePostgresPair();

  it('copies a table in 4 ranges while it is written to, and the subscription at the slot then makes the target equal to the source', async () => {
    // Prepare
    const pair = await servers.freshPair();
    const slot = slotOf(pair);
    await pair.bothSql('create table items (id int primary key, k int not null, v text)');
    await pair.sourceSql(`insert into items select i, i % 100, repeat('x', 40) || i from generate_series(1, 50000) i;
                          create publication ${slot} for table items`);
    const writer = startWriter(pair.sourceUrl);
    await expect.poll(() => writer.state.writes, REPLICATION).toBeGreaterThan(100);
    const reports: Array<CopyProgress & { writes: number }> = [];

    // Act
    const copied = await parallelCopy({
      ...refs(pair),
      slotName: slot,
      tables: [ITEMS],
      workers: 2,
      rangesPerTable: 4,
      parallelTableBytes: 0,
      progressIntervalMs: 0,
      onProgress: (progress) => reports.push({ ...progress, writes: writer.state.writes }),
    });
    const copiedRows = (await pair.targetSql('select count(*)::int as n from items')).rows[0].n;
    await pair.targetSql(`create subscription ${slot} connection ${pg.escapeLiteral(conninfo(connectionOf(pair.sourceUrl)))} publication ${slot}
                            with (create_slot = false, slot_name = ${pg.escapeLiteral(slot)}, copy_data = false)`);
    await expect.poll(() => writer.state.writes, REPLICATION).toBeGreaterThan(reports.at(-1)!.writes + 200);
    await writer.stop();
    const [{ lsn }] = (await pair.sourceSql('select pg_current_wal_lsn()::text as lsn')).rows;
    await expect
      .poll(async () => (await pair.sourceSql('select confirmed_flush_lsn >= $1::pg_lsn as reached from pg_replication_slots where slot_name = $2', [lsn, slot])).rows[0]?.reached, REPLICATION)
      .toBe(true);

    // Assess: the copy ran in 4 TID range scans while the source was being written to
    const unit = planUnits([{ ...ITEMS, bytes: 80_000, pages: 10, partitioned: false }], { parallelTableBytes: 0, rangesPerTable: 4 })[1]!;
    const plan = (await pair.sourceSql(`explain (costs off) ${unitStatements(unit, ['id']).select.replace(/^copy \((.*)\) to stdout$/, '$1')}`)).rows;
    expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/Tid Range Scan/);
    expect(reports.at(-1)!.writes - reports[0]!.writes).toBeGreaterThan(0);
    expect(reports.map((r) => r.unitsDone)).toEqual(expect.arrayContaining([0, 1, 2, 3, 4]));
    expect(copied.progress).toMatchObject({ unitsTotal: 4, unitsDone: 4, rows: copiedRows, tables: [{ table: 'public.items', rows: copiedRows, units: 4, unitsDone: 4 }] });
    expect(copied.progress.units.map((u) => u.state)).toEqual(['done', 'done', 'done', 'done']);
    // Assess: after the subscription caught up, every row is there exactly once, with the source's values
    const source = await fingerprint(pair.sourceSql, 'items');
    expect(await fingerprint(pair.targetSql, 'items')).toEqual(source);
    expect(source.keys).toBe(source.rows);
    await pair.targetSql(`drop subscription ${slot}`);
  });

  it.each([
    ['a row the target rejects', 'check (v <> $$reject$$)', TableCopyFailedError, 'public.bad'],
    ['the caller aborting', '', CopyAbortedError, 'aborted'],
  ])('on %s, stops every worker and closes every session; discardPartialCopy empties the tables and the slot drops', async (_cause, constraint, errorClass, named) => {
    // Prepare: 4 ranges of "big" are copied first; "bad", the smallest unit, last.
    const pair = await servers.freshPair();
    const slot = slotOf(pair);
    const tables = [{ schema: 'public', name: 'big' }, { schema: 'public', name: 'bad' }];
    await pair.sourceSql(`create table big (id int primary key, v text); create table bad (id int primary key, v text);
                          insert into big select i, repeat('y', 100) from generate_series(1, 20000) i;
                          insert into bad select i, case i when 50 then 'reject' else 'fine' end from generate_series(1, 100) i`);
    await pair.targetSql(`create table big (id int primary key, v text); create table bad (id int primary key, v text ${constraint})`);
    await assertEmpty(pair.target, tables);
    const stop = new AbortController();

    // Act
    const failed = await parallelCopy({
      ...refs(pair),
      slotName: slot,
      tables,
      workers: 2,
      rangesPerTable: 4,
      parallelTableBytes: 0,
      progressIntervalMs: 0,
      signal: stop.signal,
      onProgress: (p) => {
        if (constraint === '' && p.unitsDone === 1) stop.abort(new Error('the invocation is about to time out'));
      },
    }).catch((error: unknown) => error);
    const filled = (await pair.targetSql('select count(*)::int as n from big')).rows[0].n;
    await discardPartialCopy(pair.target, tables);

    // Assess
    expect(failed).toBeInstanceOf(errorClass);
    expect((failed as Error).message).toContain(named);
    if (failed instanceof TableCopyFailedError) expect(failed).toMatchObject({ database: 'target database', unit: { table: 'public.bad', part: 0, parts: 1 } });
    await expect.poll(() => copySessions(pair)).toBe(0);
    expect(filled).toBeGreaterThan(0);
    expect((await pair.targetSql('select (select count(*) from big) + (select count(*) from bad) as n')).rows[0].n).toBe('0');
    await assertEmpty(pair.target, tables);
    await expect.poll(async () => (await pair.sourceSql('select active from pg_replication_slots where slot_name = $1', [slot])).rows).toEqual([{ active: false }]);
    await pair.sourceSql('select pg_drop_replication_slot($1)', [slot]);
  });

  it('copies generated, identity and dropped columns, awkward values, only a parent\'s own rows and a partitioned table, into other column orders and settings', async () => {
    // Prepare: the databases' own settings differ; the copy's sessions must not depend on them.
    const pair = await servers.freshPair();
    const database = new URL(pair.sourceUrl).pathname.slice(1);
    await pair.sourceSql(`alter database ${database} set timezone = 'Asia/Kolkata'; alter database ${database} set datestyle = 'German, DMY'`);
    await pair.targetSql(`alter database ${database} set timezone = 'America/New_York'; alter database ${database} set datestyle = 'SQL, MDY'`);
    await pair.sourceSql(`
      create table g (id int primary key, a int, dropme text, b int generated always as (a * 2) stored, n int generated always as identity,
                      t text, at timestamptz, d date, f float8, j jsonb, raw bytea, span interval);
      alter table g drop column dropme;
      insert into g (id, a, t, at, d, f, j, raw, span) values
        (1, 1, e'line\\nbreak\\ttab\\\\back "q" ''s''', '2024-02-29 12:34:56.789+05:30', '2024-02-29', 0.1::float8 + 0.2::float8, '{"k": [1, null, "\\u00e9"]}', '\\x00ff0a', '1 day 02:03:04.5'),
        (2, null, null, null, null, 'NaN', null, null, null),
        (3, 3, '', 'infinity', '0001-01-01 BC', '-Infinity', '[]', '\\x', '-1 mon');
      create table g_child () inherits (g);
      insert into g_child (id, a, n) overriding system value values (99, 9, 99);
      create table parted (id int, at date, primary key (id, at)) partition by range (at);
      create table parted_2024 partition of parted for values from ('2024-01-01') to ('2025-01-01');
      create table parted_2025 partition of parted for values from ('2025-01-01') to ('2026-01-01');
      insert into parted values (1, '2024-05-01'), (2, '2025-05-01');`);
    await pair.targetSql(`
      create table g (t text, id int primary key, raw bytea, span interval, j jsonb, f float8, d date, at timestamptz,
                      b int generated always as (a * 2) stored, a int, n int generated always as identity);
      create table parted (id int, at date, primary key (id, at))`);
    const slot = await createSnapshotSlot(refs(pair).source, slotOf(pair));

    // Act
    const copied = await copyTables({ ...refs(pair), snapshot: slot.snapshotName, tables: [{ schema: 'public', name: 'g' }, { schema: 'public', name: 'parted' }] });
    await slot.close();

    // Assess
    const rows = async (sql: DatabasePair['sourceSql'], table: string) => (await sql(`select to_jsonb(t) as row from ${table} t order by id`)).rows.map((r) => r.row);
    expect(copied.tables.map((t) => [t.table, t.rows])).toEqual([['public.g', 3], ['public.parted', 2]]);
    expect(await rows(pair.targetSql, 'g')).toEqual(await rows(pair.sourceSql, 'only g'));
    expect(await rows(pair.targetSql, 'parted')).toEqual(await rows(pair.sourceSql, 'parted'));
    expect((await pair.targetSql(`select t, f from g where id = 1`)).rows).toEqual([{ t: 'line\nbreak\ttab\\back "q" \'s\'', f: 0.30000000000000004 }]);
    await pair.sourceSql('select pg_drop_replication_slot($1)', [slot.slotName]);
  });

  it('refuses, before copying a row, missing and non-empty target tables, a role that may not switch triggers off, and one that may not replicate', async () => {
    const pair = await servers.freshPair();
    await pair.bothSql(`create table empty (id int primary key); create table full_ (id int primary key)`);
    await pair.targetSql(`insert into full_ values (1)`);
    const role = `copier_${new URL(pair.sourceUrl).pathname.slice(1)}`;
    await pair.bothSql(`create role ${role} login password 'secret'; grant select, insert on all tables in schema public to ${role}`);
    const as = (url: string) => Object.assign(new URL(url), { username: role, password: 'secret' }).toString();
    const t = (name: string) => ({ schema: 'public', name });

    const notEmpty = await assertEmpty(pair.target, [t('empty'), t('full_')]).catch((e: unknown) => e);
    const missing = await assertEmpty(pair.target, [t('empty'), t('absent')]).catch((e: unknown) => e);
    const noReplicaRole = await copyTables({
      source: refs(pair).source,
      target: { label: 'target database', config: { connectionString: as(pair.targetUrl) } },
      snapshot: 'never-imported',
      tables: [t('empty')],
    }).catch((e: unknown) => e);
    const noReplication = await createSnapshotSlot({ label: 'source database', config: { connectionString: as(pair.sourceUrl) } }, slotOf(pair)).catch((e: unknown) => e);

    expect(notEmpty).toBeInstanceOf(CopyTargetNotEmptyError);
    expect(notEmpty).toMatchObject({ tables: ['public.full_'] });
    expect(missing).toBeInstanceOf(CopyTableMissingError);
    expect(missing).toMatchObject({ tables: ['public.absent'] });
    expect(noReplicaRole).toBeInstanceOf(ReplicaRoleRefusedError);
    expect((noReplicaRole as Error).message).toMatch(/session_replication_role.*GRANT SET ON PARAMETER/s);
    expect(noReplication).toBeInstanceOf(SnapshotSlotRefusedError);
    expect((noReplication as Error).message).toContain('REPLICATION attribute');
    await expect.poll(() => copySessions(pair)).toBe(0);
  });
});
