import { columnHashes, type Side, type TablePair } from '../compare/data/pair';
import { quoteIdent } from '../pg/identifiers';

/**
 * Row hashes of given keys, on one side or both: the comparison of exactly the rows that changed.
 * The same row hash as the full comparison (row-sql.ts), looked up by key in batches, so a round
 * costs what its keys cost, whatever the table's size. `enable_seqscan = off` for the lookups:
 * right after a bulk load a table has no statistics, and the planner could otherwise read the
 * whole table to find a thousand keys.
 */

/** Key JSON -> row hash, for the keys that exist on that side. */
export type HashesByKey = Map<string, string>;

/** Keys per statement. */
const BATCH = 5_000;

const LOOKUP_SETTINGS = { enable_seqscan: 'off' } as const;

/**
 * The keys go in as one array per key column, each cast to its column's type, and the rows are
 * found by `(k1, k2) in (select * from unnest($1, $2))`: planned in well under a millisecond
 * whatever the count, as a nested loop over the primary key's index. (A literal list of composite
 * keys is planned as an OR of every key: 140 ms for 500 keys.) The type is the server's own
 * `format_type` of the column, identifiers quoted by PostgreSQL, never text of ours or an
 * operator's. Array-typed key columns, whose elements would need nested array literals, use a
 * list of bound parameters instead.
 */
export async function hashesOf(side: Side, keys: readonly (readonly string[])[]): Promise<HashesByKey> {
  const out: HashesByKey = new Map();
  const width = side.key.length;
  const cols = width === 1 ? quoteIdent(side.key[0]!.name) : `(${side.key.map((c) => quoteIdent(c.name)).join(', ')})`;
  const arrays = side.key.every((c) => !c.baseType.startsWith('_'));
  const size = arrays ? BATCH : Math.max(1, Math.floor(LIST_PARAMETERS / width));
  for (let start = 0; start < keys.length; start += size) {
    const batch = keys.slice(start, start + size);
    const { where, params } = arrays ? unnestPredicate(side, cols, batch) : listPredicate(cols, batch);
    const sql = `select ${side.sql.keySelect}, ${side.sql.rowHash}::text as h from ${side.sql.from} where ${where}`;
    for (const r of await side.db.queryWithSettings<Record<string, string>>(LOOKUP_SETTINGS, sql, params)) {
      out.set(JSON.stringify(Array.from({ length: width }, (_, i) => r[`k${i}`]!)), r.h!);
    }
  }
  return out;
}

function unnestPredicate(side: Side, cols: string, batch: readonly (readonly string[])[]): { where: string; params: unknown[] } {
  const params = side.key.map((_, i) => batch.map((k) => k[i]));
  const arrays = side.key.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ');
  return { where: `${cols} in (select * from unnest(${arrays}))`, params };
}

/** At most this many bound parameters per statement (PostgreSQL allows 65,535). */
const LIST_PARAMETERS = 30_000;

function listPredicate(cols: string, batch: readonly (readonly string[])[]): { where: string; params: unknown[] } {
  const params: unknown[] = [];
  const width = batch[0]?.length ?? 1;
  const tuple = (k: readonly string[]) => {
    const placeholders = k.map((v) => (params.push(v), `$${params.length}`));
    return width === 1 ? placeholders[0]! : `(${placeholders.join(', ')})`;
  };
  return { where: `${cols} in (${batch.map(tuple).join(', ')})`, params };
}

/** How a key differs: on the source only (`missing` on the target), on the target only (`extra`), or in its values. */
export interface KeyDifference {
  readonly key: readonly string[];
  readonly kind: 'missing' | 'extra' | 'changed';
}

/** The keys whose rows differ between the two sides' hashes (a key on neither side is equal: deleted on both). */
export function differingKeys(keys: readonly (readonly string[])[], source: HashesByKey, target: HashesByKey): KeyDifference[] {
  const out: KeyDifference[] = [];
  for (const key of keys) {
    const id = JSON.stringify(key);
    const s = source.get(id);
    const t = target.get(id);
    if (s === t) continue;
    out.push({ key, kind: s === undefined ? 'extra' : t === undefined ? 'missing' : 'changed' });
  }
  return out;
}

/** Both sides at once, then the differing keys. */
export async function compareKeys(pair: TablePair, keys: readonly (readonly string[])[]): Promise<KeyDifference[]> {
  const [source, target] = await Promise.all([hashesOf(pair.source, keys), hashesOf(pair.target, keys)]);
  return differingKeys(keys, source, target);
}

/** The columns whose values differ, for changed rows (empty for a row that is gone on one side by now). */
export async function differingColumns(pair: TablePair, keys: readonly (readonly string[])[]): Promise<Map<string, string[]>> {
  const [s, t] = await Promise.all([columnHashes(pair.source, keys), columnHashes(pair.target, keys)]);
  const out = new Map<string, string[]>();
  for (const key of keys) {
    const id = JSON.stringify(key);
    const a = s.get(id);
    const b = t.get(id);
    out.set(id, a && b ? pair.source.columns.filter((_, i) => a[i] !== b[i]).map((c) => c.name) : []);
  }
  return out;
}
