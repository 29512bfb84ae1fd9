import type { Database } from '../pg/connection';

/**
 * What the replication monitor reads every minute (and the replication-status step, for its
 * progress, the estimates), whichever engine replicates: running totals
 * from PostgreSQL's statistics views and the planner's estimates, for the tables replicated. Each
 * reading is one catalog query over those tables (and their partitions): its cost grows with the
 * number of tables, never with their size (no count(*) of a user table).
 */

/** Tables as the engines list them (`schema.table`, TableProgress.table). */
export type DisplayNames = readonly string[];

/**
 * The leaf tables (a table itself, or the partitions of a partitioned one) of the given tables,
 * matched by `schema.table` as displayed.
 */
const LEAVES = `
with listed as (
  select c.oid, c.relkind, n.nspname || '.' || c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
   where c.relkind in ('r', 'p') and n.nspname || '.' || c.relname = any($1::text[])
), leaves as (
  select l.name, l.oid as relid from listed l where l.relkind = 'r'
  union all
  select l.name, t.relid from listed l, pg_partition_tree(l.oid) t where l.relkind = 'p' and t.isleaf
)`;

export interface WriteTotals {
  /** Rows inserted, updated and deleted since the statistics were last reset, COPYs in progress included. */
  readonly changes: number;
  /** Rows inserted alone (COPYs in progress included): what a full load has written. */
  readonly inserted: number;
}

/**
 * Running totals of the writes into `tables` on `db`: pg_stat_user_tables (committed writes, flushed
 * by each backend within seconds) plus pg_stat_progress_copy (rows of a COPY still running, which a
 * table's initial copy is for as long as it lasts; they count only once it commits).
 */
export async function writeTotals(db: Database, tables: DisplayNames): Promise<WriteTotals> {
  // pg_stat_progress_copy exists from PostgreSQL 14 (DMS also replicates older servers).
  const [version] = await db.query<{ num: number }>(`select current_setting('server_version_num')::int as num`);
  const copying =
    version!.num >= 140_000
      ? `(select coalesce(sum(p.tuples_processed), 0) from pg_stat_progress_copy p where p.command = 'COPY FROM' and p.relid in (select relid from leaves))`
      : '0';
  const [row] = await db.query<{ changes: string; inserted: string }>(
    `${LEAVES}
     select (coalesce(sum(s.n_tup_ins + s.n_tup_upd + s.n_tup_del), 0) + ${copying})::text as changes,
            (coalesce(sum(s.n_tup_ins), 0) + ${copying})::text as inserted
       from leaves left join pg_stat_user_tables s on s.relid = leaves.relid`,
    [tables],
  );
  return row ? { changes: Number(row.changes), inserted: Number(row.inserted) } : { changes: 0, inserted: 0 };
}

/**
 * The planner's estimate of the rows in each of `tables` on `db` (pg_class.reltuples, summed over
 * a partitioned table's leaves), by name as given. A table is missing from the map while it has no
 * estimate (never vacuumed or analyzed: -1 on PostgreSQL 14+, or a leaf with pages but 0 tuples),
 * or is not found: an unknown estimate is reported unknown rather than low.
 */
export async function estimatedRowsByTable(db: Database, tables: DisplayNames): Promise<ReadonlyMap<string, number>> {
  if (tables.length === 0) return new Map();
  const rows = await db.query<{ name: string; rows: string; unknown: string }>(
    `${LEAVES}
     select leaves.name, sum(greatest(c.reltuples, 0)::float8)::int8::text as rows,
            count(*) filter (where c.reltuples < 0 or (c.reltuples = 0 and c.relpages > 0))::text as unknown
       from leaves join pg_class c on c.oid = leaves.relid
      group by leaves.name`,
    [tables],
  );
  return new Map(rows.filter((r) => Number(r.unknown) === 0).map((r) => [r.name, Number(r.rows)]));
}

/** The estimate over all of `tables` (estimatedRowsByTable), or undefined while one of them has none. */
export async function estimatedRows(db: Database, tables: DisplayNames): Promise<number | undefined> {
  if (tables.length === 0) return undefined;
  const byTable = await estimatedRowsByTable(db, tables);
  return tables.every((t) => byTable.has(t)) ? tables.reduce((sum, t) => sum + byTable.get(t)!, 0) : undefined;
}
