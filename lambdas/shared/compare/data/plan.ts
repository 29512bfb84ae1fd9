import type { Side } from './pair';

/**
 * Where to cut a table into segments of about `segmentRows` rows: keys sampled with TABLESAMPLE
 * SYSTEM (random whole pages, not a scan), sorted by the database, and every n-th kept. SYSTEM
 * samples pages, and rows on one page are often neighbours in key order, so the sample takes
 * several pages per segment (not a number of rows): otherwise many cuts would fall on one page
 * and make some segments tiny and others huge. Returns the cut keys (ascending); n cuts make
 * n + 1 segments, the first and last open-ended so that rows outside the sampled side's key span
 * are still covered.
 */
export async function planSegments(side: Side, segmentRows: number): Promise<string[][]> {
  if (side.key.length === 0) return [];
  const rows = side.table.estimatedRows >= 0 ? side.table.estimatedRows : await countRows(side);
  if (rows <= segmentRows * 1.5) return [];
  const segments = Math.min(MAX_SEGMENTS, Math.ceil(rows / segmentRows));
  const pages = side.table.estimatedPages > 0 ? side.table.estimatedPages : Math.ceil(rows / 50);
  const percent = Math.min(100, (100 * segments * PAGES_PER_SEGMENT) / pages);
  const width = side.key.length;
  const sample = await side.db.query<Record<string, string>>(
    `select ${side.sql.keySelect} from ${side.sql.from} tablesample system ($1) order by ${side.sql.keyOrder}`,
    [percent],
  );
  const keys = sample.map((r) => Array.from({ length: width }, (_, i) => r[`k${i}`]!));
  const cuts: string[][] = [];
  const step = keys.length / segments;
  for (let i = 1; i < segments; i++) {
    const key = keys[Math.floor(i * step)];
    if (key !== undefined && JSON.stringify(key) !== JSON.stringify(cuts.at(-1))) cuts.push(key);
  }
  return cuts;
}

/** Enough sampled pages per segment that cuts land near even row counts. */
const PAGES_PER_SEGMENT = 8;
/** Keeps the plan small enough to store as one checkpoint item. */
const MAX_SEGMENTS = 2000;

async function countRows(side: Side): Promise<number> {
  const [row] = await side.db.query<{ n: string }>(`select count(*)::text as n from ${side.sql.from}`);
  return Number(row!.n);
}
