import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readChanges } from '../../../../lambdas/shared/verification/changes';
import { advanceSlot, CaptureSlotMissingError, createSlot, currentLsn, dropSlot, flushedLsn, peekChanges, slotInfo } from '../../../../lambdas/shared/capture/slot';
import { readCaptureCatalog } from '../../../../lambdas/shared/capture/tables';
import { Database } from '../../../../lambdas/shared/pg/connection';
import { usePostgres } from '../../../helpers/postgres';

/** The capture slot through SQL on a real server: what a round reads, and what it leaves behind. */
describe('a capture slot', () => {
  const server = usePostgres();
  let db: Database;
  let sql: pg.Client;

  beforeAll(async () => {
    db = new Database({ label: 'source database', config: { connectionString: server.url } });
    sql = new pg.Client({ connectionString: server.url });
    await sql.connect();
    await sql.query(`create table items (id int primary key, v text);
      create table parts (id int, region text, primary key (id, region)) partition by list (region);
      create table parts_eu partition of parts for values in ('eu');
      create table tagged (id int primary key, code int not null unique); alter table tagged replica identity using index tagged_code_key;
      create table wide (id int primary key, v text); alter table wide replica identity full;`);
  });
  afterAll(async () => {
    await sql.end();
    await db.close();
  });

  it('records changes committed after it was created, peeks without consuming, and advances only forward', async () => {
    await sql.query(`insert into items values (1, 'before')`);
    const start = await createSlot(db, 'ferry_capture_t1_source');
    await sql.query(`insert into items values (2, 'after'); update items set v = 'x' where id = 1`);
    const upto = await currentLsn(db);

    const first = await peekChanges(db, 'ferry_capture_t1_source', upto, 1000);
    const again = await peekChanges(db, 'ferry_capture_t1_source', upto, 1000);
    await advanceSlot(db, 'ferry_capture_t1_source', upto);
    await advanceSlot(db, 'ferry_capture_t1_source', start);
    const after = await peekChanges(db, 'ferry_capture_t1_source', await currentLsn(db), 1000);

    expect(first.rows.map((r) => r.data)).toEqual(['BEGIN', `table public.items: INSERT: id[integer]:2 v[text]:'after'`, `table public.items: UPDATE: id[integer]:1 v[text]:'x'`, 'COMMIT']);
    expect(again.rows).toEqual(first.rows);
    expect(first).toMatchObject({ reached: upto, capped: false });
    expect(after.rows).toEqual([]);
    expect((await slotInfo(db, 'ferry_capture_t1_source'))?.confirmedLsn).toBe(upto);
    expect(await dropSlot(db, 'ferry_capture_t1_source')).toBe(true);
    expect(await dropSlot(db, 'ferry_capture_t1_source')).toBe(false);
  });

  it('gives a flushed position that covers every commit before it, asynchronous ones too (as a subscription applies them)', async () => {
    await createSlot(db, 'ferry_capture_t5_source');
    await sql.query(`set synchronous_commit = off; insert into items values (50, 'async'); reset synchronous_commit`);

    const upto = await flushedLsn(db);
    const read = await peekChanges(db, 'ferry_capture_t5_source', upto, 1000);

    expect(read.rows.map((r) => r.data)).toContain(`table public.items: INSERT: id[integer]:50 v[text]:'async'`);
    expect(read.reached).toBe(upto);
    await dropSlot(db, 'ferry_capture_t5_source');
  });

  it('stops at the change cap on a transaction end, and says where it got to', async () => {
    await createSlot(db, 'ferry_capture_t2_source');
    for (let i = 0; i < 5; i++) await sql.query(`insert into items select g, 'bulk' from generate_series(${100 + i * 10}, ${109 + i * 10}) g`);

    const capped = await peekChanges(db, 'ferry_capture_t2_source', await currentLsn(db), 15);

    expect(capped.capped).toBe(true);
    expect(capped.rows.filter((r) => r.data.startsWith('table ')).length).toBe(20);
    expect(capped.rows.at(-1)!.data).toBe('COMMIT');
    expect(capped.reached).toBe(capped.rows.at(-1)!.lsn);
    await dropSlot(db, 'ferry_capture_t2_source');
  });

  it('refuses a slot of that name that is not a capture slot, and names a missing one', async () => {
    await sql.query(`select pg_create_logical_replication_slot('ferry_capture_t3_source', 'pgoutput')`);

    await expect(createSlot(db, 'ferry_capture_t3_source')).rejects.toThrow(/exists on the source database but is not a test_decoding slot/);
    expect(await dropSlot(db, 'ferry_capture_t3_source')).toBe(false);
    await sql.query(`select pg_drop_replication_slot('ferry_capture_t3_source')`);
    await expect(peekChanges(db, 'ferry_capture_gone_source', await currentLsn(db), 10)).rejects.toThrow(CaptureSlotMissingError);
  });

  it('maps a partition to its partitioned table, and knows which tables a change can be traced in', async () => {
    const catalog = await readCaptureCatalog(db, { include: ['public.*'] });
    const get = (name: string) => catalog.relations.get(`public\u0000${name}`);

    expect(get('parts_eu')).toMatchObject({ table: { schema: 'public', name: 'parts' }, traceable: true });
    expect(get('items')).toMatchObject({ traceable: true });
    expect(get('tagged')).toMatchObject({ traceable: false });
    expect(get('wide')).toMatchObject({ traceable: true });
    expect(get('parts')).toBeUndefined();

    await createSlot(db, 'ferry_capture_t4_source');
    await sql.query(`insert into parts values (1, 'eu'); update tagged set code = code where false; insert into tagged values (5, 50); update tagged set id = 6 where id = 5`);
    const changes = await readChanges(db, 'ferry_capture_t4_source', catalog, await currentLsn(db), 1000);
    expect([...changes.set.keys.get('public.parts')!.values()]).toEqual([['1', 'eu']]);
    expect(changes.set.wholeTables.get('public.tagged')).toMatch(/replica identity does not show/);
    await dropSlot(db, 'ferry_capture_t4_source');
  });
});
