import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pairUp } from '../../../../lambdas/shared/compare/data/compare';
import { readTables } from '../../../../lambdas/shared/compare/data/catalog';
import type { TablePair } from '../../../../lambdas/shared/compare/data/pair';
import { Database } from '../../../../lambdas/shared/pg/connection';
import { compareKeys, hashesOf } from '../../../../lambdas/shared/verification/keyed';
import { usePostgres } from '../../../helpers/postgres';

/** Row hashes looked up by key on a table that has never been analyzed (as right after a bulk load). */
describe('keyed row hashes', () => {
  const server = usePostgres();
  let db: Database;
  let sql: pg.Client;
  const plans: string[] = [];

  beforeAll(async () => {
    db = new Database({ label: 'database', config: { connectionString: server.url } });
    sql = new pg.Client({ connectionString: server.url });
    await sql.connect();
    await sql.query(`
      create table lines (order_id bigint, code text, qty numeric(10,2), primary key (order_id, code)) with (autovacuum_enabled = off);
      insert into lines select i, 'c:' || (i % 3) || ' "x"', i % 7 from generate_series(1, 200000) i;
      create table tagged (tags int[] primary key, v text) with (autovacuum_enabled = off);
      insert into tagged values ('{1,2}', 'a'), ('{3}', 'b');`);
  });
  afterAll(async () => {
    await sql.end();
    await db.close();
  });

  async function pairOf(name: string): Promise<TablePair> {
    const [table] = await readTables(db, { include: [`public.${name}`] });
    return pairUp(db, db, table!, table!, {}).pair;
  }

  it('finds exactly the given composite keys through the primary key, without statistics', async () => {
    const pair = await pairOf('lines');
    const keys = [['5', 'c:2 "x"'], ['6', 'c:0 "x"'], ['999999', 'c:0 "x"']];

    const hashes = await hashesOf(pair.source, keys);
    // The statement hashesOf runs, under the setting it runs it with.
    await sql.query('set enable_seqscan = off');
    const explain = await sql.query(
      `explain select 1 from lines where (order_id, code) in (select * from unnest($1::bigint[], $2::text[]))`,
      [keys.map((k) => k[0]), keys.map((k) => k[1])],
    );
    await sql.query('reset enable_seqscan');
    plans.push(...explain.rows.map((r) => r['QUERY PLAN'] as string));

    expect([...hashes.keys()].sort()).toEqual([JSON.stringify(['5', 'c:2 "x"']), JSON.stringify(['6', 'c:0 "x"'])].sort());
    expect(plans.join('\n')).toMatch(/lines_pkey/);
    expect(plans.join('\n')).not.toMatch(/Seq Scan on lines/);
  });

  it('compares keys on two sides and says which differ, and how', async () => {
    const pair = await pairOf('lines');
    await sql.query(`create table if not exists lines_copy (like lines including all); insert into lines_copy select * from lines where order_id <= 10 and order_id <> 4;
      update lines_copy set qty = 99 where order_id = 3`);
    const [copy] = await readTables(db, { include: ['public.lines_copy'] });
    const crossed: TablePair = pairUp(db, db, pair.source.table, { ...copy!, name: 'lines_copy' }, {}).pair;

    const found = await compareKeys(crossed, [['3', 'c:0 "x"'], ['4', 'c:1 "x"'], ['5', 'c:2 "x"'], ['77', 'c:2 "x"']]);

    expect(found).toEqual([
      { key: ['3', 'c:0 "x"'], kind: 'changed' },
      { key: ['4', 'c:1 "x"'], kind: 'missing' },
      { key: ['77', 'c:2 "x"'], kind: 'missing' },
    ]);
  });

  it('looks up array-typed keys too', async () => {
    const hashes = await hashesOf((await pairOf('tagged')).source, [['{1,2}'], ['{9}']]);

    expect([...hashes.keys()]).toEqual([JSON.stringify(['{1,2}'])]);
  });
});
