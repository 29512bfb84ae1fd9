import { beforeAll, describe, expect, it, vi } from 'vitest';
import { readTables } from '../../../../../lambdas/shared/compare/data/catalog';
import { makeSide, type Side } from '../../../../../lambdas/shared/compare/data/pair';
import { planSegments } from '../../../../../lambdas/shared/compare/data/plan';
import { ALL_USER_TABLES } from '../../../../../lambdas/shared/compare/table-patterns';
import { Database } from '../../../../../lambdas/shared/pg/connection';
import { quoteIdent } from '../../../../../lambdas/shared/pg/identifiers';
import { usePostgres } from '../../../../helpers/postgres';

/**
 * 20,000 rows of about 400 bytes (some 1,300 pages, more than the row estimate samples), loaded
 * as a replication target is: key first, never vacuumed or analyzed, so pg_class has no row count.
 * The partitioned table's partitions were never vacuumed either: no rows or pages in pg_class.
 */
const FRESH_LOAD = `
  create table wide (id int primary key, filler text) with (autovacuum_enabled = false, toast.autovacuum_enabled = false);
  insert into wide select i, rpad(i::text, 400, 'x') from generate_series(1, 20000) i;
  create table parts (id int primary key, filler text) partition by range (id);
  create table parts_1 partition of parts for values from (1) to (10001) with (autovacuum_enabled = false);
  create table parts_2 partition of parts for values from (10001) to (20001) with (autovacuum_enabled = false);
  insert into parts select i, rpad(i::text, 400, 'x') from generate_series(1, 20000) i`;

describe('segment plan of a table without statistics', () => {
  const server = usePostgres();
  const sides = new Map<string, Side>();
  let db: Database;
  beforeAll(async () => {
    db = new Database({ label: 'target database', config: { connectionString: server.url } });
    await db.query(FRESH_LOAD);
    for (const table of await readTables(db, ALL_USER_TABLES)) {
      const key = table.key!.columns.map((name) => table.columns.find((c) => c.name === name)!);
      sides.set(table.name, makeSide({ db, table, columns: table.columns, values: table.columns.map((c) => quoteIdent(c.name)), key }, false, 'record'));
    }
    return () => db.close();
  });

  it.each(['wide', 'parts'])('cuts %s into segments of about the asked size from samples, never counting the whole table', async (name) => {
    const side = sides.get(name)!;
    expect(side.table.estimatedPages).toBe(0);
    const statements: string[] = [];
    const query = db.query.bind(db);
    const spy = vi.spyOn(db, 'query').mockImplementation((text, values) => (statements.push(text), query(text, values)));
    try {
      const cuts = await planSegments(side, 2000);
      // About ten segments: the row estimate comes from a sample of some 256 of ~1,100 pages.
      expect(cuts.length).toBeGreaterThanOrEqual(7);
      expect(cuts.length).toBeLessThanOrEqual(12);
      const ids = cuts.map((k) => Number(k[0]));
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(statements.filter((s) => /count\(\*\)/i.test(s) && !/tablesample/i.test(s))).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });
});
