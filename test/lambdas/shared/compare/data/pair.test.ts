import { beforeAll, describe, expect, it } from 'vitest';
import { readTables } from '../../../../../lambdas/shared/compare/data/catalog';
import {
  aggregate,
  aggregateStatement,
  keyedHashesStatement,
  makeSide,
  splitKeysStatement,
  type Side,
  type Statement,
} from '../../../../../lambdas/shared/compare/data/pair';
import type { KeyRange } from '../../../../../lambdas/shared/compare/data/row-sql';
import { ALL_USER_TABLES } from '../../../../../lambdas/shared/compare/table-patterns';
import { Database } from '../../../../../lambdas/shared/pg/connection';
import { quoteIdent } from '../../../../../lambdas/shared/pg/identifiers';
import { usePostgres } from '../../../../helpers/postgres';

/**
 * Tables as a target has them right after a bulk load: key first, then the rows, never vacuumed
 * or analyzed, autovacuum off so that no statistics appear during the test. Without statistics
 * the planner guesses that `key < $1` holds for a third of the table, which at this size makes a
 * sequential scan of the whole table its plan for an open-ended range.
 */
const FRESH_LOAD = `
  create table accounts (id int primary key, v text) with (autovacuum_enabled = false, toast.autovacuum_enabled = false);
  insert into accounts select i, md5(i::text) from generate_series(1, 2000) i;
  create table lines (order_id int, line int, qty int, primary key (order_id, line)) with (autovacuum_enabled = false);
  insert into lines select o, l, l from generate_series(1, 400) o, generate_series(1, 5) l;
  create table users (email text primary key, name text) with (autovacuum_enabled = false, toast.autovacuum_enabled = false);
  insert into users select 'u' || lpad(i::text, 4, '0') || '@x', 'n' from generate_series(1, 2000) i`;

const RANGES: Record<string, Record<'first' | 'middle' | 'last', KeyRange>> = {
  accounts: { first: { hi: ['200'] }, middle: { lo: ['800'], hi: ['1000'] }, last: { lo: ['1800'] } },
  lines: { first: { hi: ['40', '1'] }, middle: { lo: ['160', '1'], hi: ['200', '1'] }, last: { lo: ['360', '1'] } },
};

interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Relation Name'?: string;
  readonly Plans?: readonly PlanNode[];
}

/** The plan nodes that read the table's heap, by node type. */
function tableReads(node: PlanNode): string[] {
  return [...(node['Relation Name'] ? [node['Node Type']] : []), ...(node.Plans ?? []).flatMap(tableReads)];
}

async function plan(side: Side, statement: Statement, settings = statement.settings): Promise<string[]> {
  const [row] = await side.db.queryWithSettings<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
    settings,
    `explain (format json) ${statement.text}`,
    statement.params,
  );
  return tableReads(row!['QUERY PLAN'][0].Plan);
}

describe('segment statements on a table without planner statistics', () => {
  const server = usePostgres();
  const sides = new Map<string, Side>();
  let db: Database;
  beforeAll(async () => {
    db = new Database({ label: 'target database', config: { connectionString: server.url } });
    await db.query(FRESH_LOAD);
    for (const table of await readTables(db, ALL_USER_TABLES)) {
      const key = table.key!.columns.map((name) => table.columns.find((c) => c.name === name)!);
      const values = table.columns.map((c) => quoteIdent(c.name));
      sides.set(table.name, makeSide({ db, table, columns: table.columns, values, key }, false, 'record'));
    }
    return () => db.close();
  });

  it('starts from a fixture the planner knows nothing about, on which it would read the whole table', async () => {
    const stats = await db.query<{ reltuples: number; n: string }>(
      `select reltuples::float8 as reltuples, (select count(*) from pg_statistic where starelid = c.oid)::text as n
         from pg_class c where c.oid = 'accounts'::regclass`,
    );
    expect(stats).toEqual([{ reltuples: -1, n: '0' }]);
    const side = sides.get('accounts')!;
    // Without the statement's own settings: the plan this change is about.
    expect(await plan(side, aggregateStatement(side, RANGES.accounts!.first, false), { enable_indexscan: 'off' })).toEqual(['Seq Scan']);
  });

  describe.each(['accounts', 'lines'])('%s', (table) => {
    it.each(['first', 'middle', 'last'] as const)('hashes the %s segment by a bitmap range scan on the key', async (segment) => {
      const side = sides.get(table)!;
      expect(await plan(side, aggregateStatement(side, RANGES[table]![segment], false))).toEqual(['Bitmap Heap Scan']);
    });

    it.each(['first', 'middle', 'last'] as const)('bisects the %s segment by range scans on the key', async (segment) => {
      const side = sides.get(table)!;
      const range = RANGES[table]![segment];
      for (const statement of [splitKeysStatement(side, range, 200, 16, false), keyedHashesStatement(side, range, false)]) {
        const reads = await plan(side, statement);
        expect(reads).toHaveLength(1);
        expect(['Bitmap Heap Scan', 'Index Scan', 'Index Only Scan']).toContain(reads[0]);
      }
    });
  });

  it('still counts and hashes the rows of an open-ended range', async () => {
    const side = sides.get('accounts')!;
    const first = await aggregate(side, RANGES.accounts!.first, false);
    const whole = await aggregate(side, {}, false);
    expect(first.rows).toBe(199);
    expect(whole.rows).toBe(2000);
  });

  it('reads a range with no bound (the whole table) by a sequential scan', async () => {
    const side = sides.get('accounts')!;
    expect(await plan(side, aggregateStatement(side, {}, false))).toEqual(['Seq Scan']);
  });

  it('still reads a range no index can serve (byte order) by a sequential scan', async () => {
    const side = sides.get('users')!;
    const last = { lo: ['u1801@x'] };
    expect(await plan(side, aggregateStatement(side, last, true))).toEqual(['Seq Scan']);
    expect((await aggregate(side, last, true)).rows).toBe(200);
  });
});
