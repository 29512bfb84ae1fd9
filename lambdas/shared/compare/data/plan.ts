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
  const { rows, pages } = await tableSize(side);
  if (rows <= segmentRows * 1.5) return [];
  const segments = Math.min(MAX_SEGMENTS, Math.ceil(rows / segmentRows));
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

/**
 * Rows and pages as pg_class has them once the table was vacuumed or analyzed. A table without
 * them (right after a bulk load: reltuples -1, or relpages 0, as for a partitioned table whose
 * partitions were never vacuumed) is measured instead: its current size in pages, and its rows
 * from a sample of about DENSITY_SAMPLE_PAGES pages rather than a count, which would read the
 * whole table once more before the comparison reads it.
 */
async function tableSize(side: Side): Promise<{ rows: number; pages: number }> {
  const { estimatedRows, estimatedPages } = side.table;
  if (estimatedRows >= 0 && estimatedPages > 0) return { rows: estimatedRows, pages: estimatedPages };
  // A partitioned table has no pages of its own, and a plain one no partition tree.
  const [size] = await side.db.query<{ pages: string }>(
    `select ((pg_relation_size($1::regclass)
              + coalesce((select sum(pg_relation_size(relid)) from pg_partition_tree($1::regclass) where isleaf), 0))
             / current_setting('block_size')::int)::text as pages`,
    [side.sql.from],
  );
  const pages = Number(size!.pages);
  if (pages === 0) return { rows: 0, pages: 0 };
  const percent = Math.min(100, (100 * DENSITY_SAMPLE_PAGES) / pages);
  const [sample] = await side.db.query<{ n: string }>(`select count(*)::text as n from ${side.sql.from} tablesample system ($1)`, [percent]);
  return { rows: Math.round((Number(sample!.n) * 100) / percent), pages };
}

/** Pages sampled to estimate the rows of a table that has no row count: about 2 MB read. */
const DENSITY_SAMPLE_PAGES = 256;
