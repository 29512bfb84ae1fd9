import type { Database } from '../../pg/connection';
import { quoteIdent } from '../../pg/identifiers';
import { columnHashesSql, fromSql, keyOrderSql, keySelectSql, rangePredicate, rowHashSql, type HashMethod, type KeyRange } from './row-sql';
import type { ColumnInfo, TableInfo } from './types';

/** One side of a table comparison, with its SQL fragments built once. */
export interface Side {
  readonly db: Database;
  readonly table: TableInfo;
  /** Compared columns, in the shared (name) order. */
  readonly columns: readonly ColumnInfo[];
  /** Key columns of this side, in key order. */
  readonly key: readonly ColumnInfo[];
  readonly sql: { readonly from: string; readonly rowHash: string; readonly columnHashes: string; readonly keySelect: string; readonly keyOrder: string };
}

/** A table on both databases. `byteOrder` when text key collations differ between them. */
export interface TablePair {
  readonly source: Side;
  readonly target: Side;
  readonly byteOrder: boolean;
}

export interface SideSpec {
  readonly db: Database;
  readonly table: TableInfo;
  /** Compared columns, in the shared (name) order, and the value expression of each. */
  readonly columns: readonly ColumnInfo[];
  readonly values: readonly string[];
  readonly key: readonly ColumnInfo[];
}

export function makeSide({ db, table, columns, values, key }: SideSpec, byteOrder: boolean, method: HashMethod): Side {
  return {
    db,
    table,
    columns,
    key,
    sql: {
      from: fromSql(table),
      rowHash: rowHashSql(values, method),
      columnHashes: columnHashesSql(values, method),
      keySelect: keySelectSql(key),
      keyOrder: keyOrderSql(key, byteOrder),
    },
  };
}

/** A statement with its bind parameters and the planner settings it runs with. */
export interface Statement {
  readonly text: string;
  readonly params: unknown[];
  readonly settings: Readonly<Record<string, 'on' | 'off'>>;
}

export interface Aggregate {
  readonly rows: number;
  /** Exact sum of the rows' signed 64-bit hashes, as numeric text. */
  readonly sum: string;
}

function where(side: Side, range: KeyRange, params: unknown[], byteOrder: boolean): string {
  return side.key.length === 0 ? 'true' : rangePredicate(side.key, range, params, byteOrder);
}

/**
 * Planner settings for a statement over a key range. Where the range has a bound, sequential scans
 * are off, so the range is read through the key's index whatever the statistics say: without any
 * (a target right after a bulk load) PostgreSQL guesses that `key < $1` holds for a third of the
 * table, and would read the whole table for an open-ended first or last segment, and for every
 * bisection step inside one. The setting only adds a cost, so a range no index can serve (byte
 * order) still gets its sequential scan; a range with no bound is the whole table, read as such.
 */
function rangeSettings(range: KeyRange, extra: Readonly<Record<string, 'on' | 'off'>> = {}): Record<string, 'on' | 'off'> {
  const bounded = range.lo !== undefined || range.hi !== undefined;
  return bounded ? { ...extra, enable_seqscan: 'off' } : { ...extra };
}

/**
 * A range aggregate reads its rows through a bitmap heap scan (heap pages in physical order)
 * rather than an index scan: measured about 10% cheaper for large ranges (bench/compare.ts).
 */
const BITMAP_SCAN = { enable_indexscan: 'off' } as const;

/** The aggregate's statement and settings, also for EXPLAIN in tests. */
export function aggregateStatement(side: Side, range: KeyRange, byteOrder: boolean): Statement {
  const params: unknown[] = [];
  const text = `select count(*)::text as n, coalesce(sum(${side.sql.rowHash}), 0)::text as s from ${side.sql.from} where ${where(side, range, params, byteOrder)}`;
  return { text, params, settings: rangeSettings(range, BITMAP_SCAN) };
}

/** Row count and order-independent hash sum of a key range: only two numbers cross the network. */
export async function aggregate(side: Side, range: KeyRange, byteOrder: boolean): Promise<Aggregate> {
  const { text, params, settings } = aggregateStatement(side, range, byteOrder);
  const [row] = await side.db.queryWithSettings<{ n: string; s: string }>(settings, text, params);
  return { rows: Number(row!.n), sum: row!.s };
}

/** Both sides at once. */
export function aggregatePair(pair: TablePair, range: KeyRange): Promise<[Aggregate, Aggregate]> {
  return Promise.all([aggregate(pair.source, range, pair.byteOrder), aggregate(pair.target, range, pair.byteOrder)]);
}

/** splitKeys' statement and settings, also for EXPLAIN in tests. */
export function splitKeysStatement(side: Side, range: KeyRange, rows: number, parts: number, byteOrder: boolean): Statement {
  const step = Math.max(1, Math.ceil(rows / parts));
  const params: unknown[] = [];
  const predicate = where(side, range, params, byteOrder);
  params.push(step);
  const text = `select ${keyAliases(side)} from (
      select ${side.sql.keySelect}, row_number() over (order by ${side.sql.keyOrder}) as rn
        from ${side.sql.from} where ${predicate}) s
     where rn % $${params.length} = 1 and rn > 1 order by rn`;
  return { text, params, settings: rangeSettings(range) };
}

/** Keys (as text) that cut the range into `parts` pieces of about equal row count. */
export async function splitKeys(side: Side, range: KeyRange, rows: number, parts: number, byteOrder: boolean): Promise<string[][]> {
  const { text, params, settings } = splitKeysStatement(side, range, rows, parts, byteOrder);
  const cuts = await side.db.queryWithSettings<Record<string, string>>(settings, text, params);
  return cuts.map((r) => keyOf(side, r));
}

export interface KeyedHash {
  readonly key: string[];
  readonly hash: string;
}

/** keyedHashes' statement and settings, also for EXPLAIN in tests. */
export function keyedHashesStatement(side: Side, range: KeyRange, byteOrder: boolean): Statement {
  const params: unknown[] = [];
  const text = `select ${side.sql.keySelect}, ${side.sql.rowHash}::text as h from ${side.sql.from} where ${where(side, range, params, byteOrder)}`;
  return { text, params, settings: rangeSettings(range) };
}

/** Every key and row hash in the range (a small range: a bisection leaf). */
export async function keyedHashes(side: Side, range: KeyRange, byteOrder: boolean): Promise<Map<string, KeyedHash>> {
  const { text, params, settings } = keyedHashesStatement(side, range, byteOrder);
  const rows = await side.db.queryWithSettings<Record<string, string>>(settings, text, params);
  const out = new Map<string, KeyedHash>();
  for (const r of rows) {
    const key = keyOf(side, r);
    out.set(JSON.stringify(key), { key, hash: r.h! });
  }
  return out;
}

/** The k0, k1, ... aliases of keySelectSql. */
function keyAliases(side: Side): string {
  return side.key.map((_, i) => `k${i}`).join(', ');
}

function keyOf(side: Side, row: Record<string, string>): string[] {
  return side.key.map((_, i) => row[`k${i}`]!);
}

/** Per-column hashes of the rows with the given keys, by key JSON (keys looked up by index). */
export async function columnHashes(side: Side, keys: readonly (readonly string[])[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const width = side.key.length;
  for (let start = 0; start < keys.length; start += LOOKUP_BATCH) {
    const params: unknown[] = [];
    const tuple = (k: readonly string[]) => {
      const placeholders = k.map((v) => (params.push(v), `$${params.length}`));
      return width === 1 ? placeholders[0]! : `(${placeholders.join(', ')})`;
    };
    const cols = width === 1 ? quoteIdent(side.key[0]!.name) : `(${side.key.map((c) => quoteIdent(c.name)).join(', ')})`;
    const list = keys.slice(start, start + LOOKUP_BATCH).map(tuple).join(', ');
    const sql = `select ${side.sql.keySelect}, ${side.sql.columnHashes} as hs from ${side.sql.from} where ${cols} in (${list})`;
    for (const r of await side.db.query<Record<string, unknown>>(sql, params)) {
      const key = Array.from({ length: width }, (_, i) => r[`k${i}`] as string);
      out.set(JSON.stringify(key), r.hs as string[]);
    }
  }
  return out;
}

/** Keys per lookup statement: well under PostgreSQL's 65535 bind parameters. */
const LOOKUP_BATCH = 500;
