import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWriteCounters, touchedTables } from '../../../../lambdas/shared/cutover/write-counters';
import { Database } from '../../../../lambdas/shared/pg/connection';
import { usePostgres } from '../../../helpers/postgres';

const t = (name: string, schema = 'public') => ({ schema, name });
const TABLES = [t('a'), t('b'), t('parts'), t('Odd "name". x', 'My Schema')];

describe('write counters', () => {
  const server = usePostgres();
  let db: Database;
  let writer: pg.Client;

  beforeAll(async () => {
    db = new Database({ label: 'source database', config: { connectionString: server.url } });
    writer = new pg.Client({ connectionString: server.url });
    await writer.connect();
    await writer.query(`
      create table a (id int primary key, v text); create table b (id int primary key);
      insert into a select i, 'x' from generate_series(1, 10) i; insert into b values (1);
      create table parts (id int, at date) partition by range (at);
      create table parts_2024 partition of parts for values from ('2024-01-01') to ('2025-01-01');
      create schema "My Schema"; create table "My Schema"."Odd ""name"". x" (id int);`);
    await flush();
  });
  afterAll(async () => {
    await writer?.end();
    await db?.close();
  });

  /** Statistics are flushed asynchronously; ask the writing session to flush at once (15+). */
  async function flush(): Promise<void> {
    await writer.query('select pg_stat_force_next_flush()');
  }

  /** Runs `sql` in the writing session and waits until some counter moves; returns the touched tables. */
  async function touchedBy(sql: string): Promise<string[]> {
    const before = await readWriteCounters(db, TABLES);
    await writer.query(sql);
    await flush();
    let touched: string[] = [];
    await expect
      .poll(async () => (touched = touchedTables(before, await readWriteCounters(db, TABLES))).length, { timeout: 10_000, interval: 50 })
      .toBeGreaterThan(0);
    return touched;
  }

  it('reads ins/upd/del/filenode per table, by display name, leaving out tables that do not exist', async () => {
    const counters = await readWriteCounters(db, [...TABLES, t('missing')]);

    expect(Object.keys(counters).sort()).toEqual(['My Schema.Odd "name". x', 'public.a', 'public.b', 'public.parts']);
    expect(counters['public.a']).toMatch(/^10\/0\/0\/\d+$/);
  });

  it.each([
    ['insert', `insert into a values (100, 'new')`, 'public.a'],
    ['update', `update a set v = 'changed' where id = 1`, 'public.a'],
    ['delete', `delete from a where id = 2`, 'public.a'],
    // No counter moves on TRUNCATE; the new data file shows it
    ['truncate', `truncate b`, 'public.b'],
  ])('marks a table touched after %s, and not the untouched ones', async (_kind, sql, table) => {
    expect(await touchedBy(sql)).toEqual([table]);
  });

  it('marks a partitioned table touched when one of its partitions is written', async () => {
    expect(await touchedBy(`insert into parts values (1, '2024-05-01')`)).toEqual(['public.parts']);
  });

  it('marks a table with a name needing quotes touched', async () => {
    expect(await touchedBy(`insert into "My Schema"."Odd ""name"". x" values (1)`)).toEqual(['My Schema.Odd "name". x']);
  });

  it('shows a statistics reset as touched', async () => {
    expect(await touchedBy(`select pg_stat_reset_single_table_counters('a'::regclass)`)).toEqual(['public.a']);
  });
});

describe('touchedTables', () => {
  it('lists tables whose counters differ or that are missing on either side, sorted', () => {
    const before = { 'public.same': '1/2/3/4', 'public.changed': '1/0/0/4', 'public.gone': '0/0/0/1' };
    const after = { 'public.same': '1/2/3/4', 'public.changed': '2/0/0/4', 'public.new': '0/0/0/9' };

    expect(touchedTables(before, after)).toEqual(['public.changed', 'public.gone', 'public.new']);
    expect(touchedTables(after, after)).toEqual([]);
  });
});
