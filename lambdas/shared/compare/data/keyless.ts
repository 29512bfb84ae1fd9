import type { Side, TablePair } from './pair';

/**
 * A table without a usable key is compared as a multiset of row hashes. Both sides first sum
 * their hashes into 1024 buckets (by the hash's low bits); only the rows of differing buckets
 * then cross the network, as (hash, count) pairs. Differences are whole rows: a changed row shows
 * as one missing and one extra.
 */
export interface MultisetDiff {
  sourceRows: number;
  targetRows: number;
  /** Row hash -> how many more times it occurs in the source than in the target. */
  missing: Record<string, number>;
  /** Row hash -> how many more times it occurs in the target. */
  extra: Record<string, number>;
  missingTotal: number;
  extraTotal: number;
}

/** Hash buckets a keyless table's rows are grouped into (a power of two: `h & (BUCKETS - 1)`); an algorithm constant, not a setting. */
const BUCKETS = 1024;

interface Bucket {
  b: number;
  n: string;
  s: string;
}

async function buckets(side: Side): Promise<Map<number, Bucket>> {
  const rows = await side.db.query<Bucket>(
    `select (h & ${BUCKETS - 1})::int as b, count(*)::text as n, sum(h)::text as s
       from (select ${side.sql.rowHash} as h from ${side.sql.from}) x group by 1`,
  );
  return new Map(rows.map((r) => [r.b, r]));
}

async function hashCounts(side: Side, bucketIds: number[]): Promise<Map<string, number>> {
  const rows = await side.db.query<{ h: string; n: string }>(
    `select h::text as h, count(*)::text as n
       from (select ${side.sql.rowHash} as h from ${side.sql.from}) x
      where (h & ${BUCKETS - 1})::int = any($1::int[]) group by h`,
    [bucketIds],
  );
  return new Map(rows.map((r) => [r.h, Number(r.n)]));
}

export async function diffMultiset(pair: TablePair): Promise<MultisetDiff> {
  const [s, t] = await Promise.all([buckets(pair.source), buckets(pair.target)]);
  const total = (m: Map<number, Bucket>) => [...m.values()].reduce((acc, b) => acc + Number(b.n), 0);
  const diff: MultisetDiff = { sourceRows: total(s), targetRows: total(t), missing: {}, extra: {}, missingTotal: 0, extraTotal: 0 };
  const differing = [...new Set([...s.keys(), ...t.keys()])].filter((b) => s.get(b)?.n !== t.get(b)?.n || s.get(b)?.s !== t.get(b)?.s);
  if (differing.length === 0) return diff;
  const [sc, tc] = await Promise.all([hashCounts(pair.source, differing), hashCounts(pair.target, differing)]);
  for (const h of new Set([...sc.keys(), ...tc.keys()])) {
    const delta = (sc.get(h) ?? 0) - (tc.get(h) ?? 0);
    if (delta > 0) {
      diff.missing[h] = delta;
      diff.missingTotal += delta;
    } else if (delta < 0) {
      diff.extra[h] = -delta;
      diff.extraTotal -= delta;
    }
  }
  return diff;
}

/** Up to `limit` rows with the given hash, as JSON objects, to show the operator what differs. */
export async function rowsWithHash(side: Side, hash: string, limit: number): Promise<Record<string, unknown>[]> {
  const rows = await side.db.query<{ r: Record<string, unknown> }>(
    `select row_to_json(t) as r from ${side.sql.from} t where ${side.sql.rowHash} = $1::int8 limit $2`,
    [hash, limit],
  );
  return rows.map((r) => r.r);
}
