import type { Database } from '../pg/connection';
import { displayName, type TableName } from '../pg/identifiers';

/**
 * Write counters let the final comparison (writes frozen) skip the tables nobody wrote since the
 * last full comparison: counters read when that comparison STARTED are compared with counters
 * read after the freeze, and only tables whose counters differ are compared again.
 *
 * Counters come from the cumulative statistics, which are not transactional and not immediate: a
 * backend flushes its counts to shared memory (PostgreSQL 15+) at most once a second or so
 * (PGSTAT_MIN_INTERVAL; the stats collector of 14 is similar), so a write is visible there up to
 * about a second after its commit. Reading the baseline at the start of a comparison is the
 * conservative side of that delay: a write made just before it, not flushed yet, is flushed by the
 * time of the final read, so its table shows up as touched and is compared again (never skipped).
 * The final read must itself wait `flushDelayMs` after the freeze for the same reason.
 */

/**
 * Longer than a backend holds its counts before flushing them (PGSTAT_MIN_INTERVAL, 1 s, plus a
 * margin): wait this long after the last write before the final read. Every millisecond here is
 * write downtime, so it is not padded further; a backend that finds the statistics lock busy
 * retries only after 10 s (PGSTAT_IDLE_INTERVAL), which this does not cover: the cutover's
 * `fullComparison` input compares every table regardless. The marker row, not this comparison,
 * is what proves every write arrived.
 */
export const flushDelayMs = 1100;

/**
 * The checkpoint step name under which a comparison run stores the counters it read at its start
 * (the baseline the final comparison reads).
 */
export const WRITE_COUNTERS_STEP = 'write-counters';

/**
 * Per table `ins/upd/del/filenode`: tuples inserted, updated (HOT and new-page updates included,
 * n_tup_upd counts both) and deleted since the statistics were last reset, and the data file. Kept
 * as text, never added up, so any change shows, a statistics reset (back to 0) included. TRUNCATE
 * changes none of the three counters, but gives the table a new data file, hence the filenode.
 * A partitioned table sums over its leaf partitions (its own counters stay 0), filenodes included:
 * a truncated partition gets a new, higher OID for its file, which changes the sum.
 */
const COUNTERS_SQL = `
select t.schema, t.name,
       coalesce(sum(s.n_tup_ins), 0)::text || '/' || coalesce(sum(s.n_tup_upd), 0)::text || '/' ||
       coalesce(sum(s.n_tup_del), 0)::text || '/' || coalesce(sum(pg_relation_filenode(l.relid)::bigint), 0)::text as counters
  from unnest($1::text[], $2::text[]) as t(schema, name)
  join pg_namespace n on n.nspname = t.schema
  join pg_class c on c.relnamespace = n.oid and c.relname = t.name and c.relkind in ('r', 'p')
  left join lateral (select c.oid as relid where c.relkind = 'r'
                     union all
                     select p.relid from pg_partition_tree(c.oid) p where c.relkind = 'p' and p.isleaf) l on true
  left join pg_stat_user_tables s on s.relid = l.relid
 group by t.schema, t.name
`;

/** The tables' write counters by display name; a table that does not exist is left out. */
export async function readWriteCounters(db: Database, tables: readonly TableName[]): Promise<Record<string, string>> {
  const rows = await db.query<{ schema: string; name: string; counters: string }>(COUNTERS_SQL, [
    tables.map((t) => t.schema),
    tables.map((t) => t.name),
  ]);
  return Object.fromEntries(rows.map((r) => [displayName(r), r.counters]));
}

/** Display names whose counters differ, or that are missing on either side (unknown counts as written). Sorted. */
export function touchedTables(before: Readonly<Record<string, string>>, after: Readonly<Record<string, string>>): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((name) => before[name] === undefined || before[name] !== after[name]).sort((a, b) => a.localeCompare(b, 'en'));
}
