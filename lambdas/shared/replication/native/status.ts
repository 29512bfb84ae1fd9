import type { Database } from '../../pg/connection';
import { displayName } from '../../pg/identifiers';
import type { ReplicationStatus, TableProgress } from '../engine';
import { isMarkerTable } from './marker-table';
import { supports } from './server';
import { PAUSED_FOR_REVERSE, type Subscription } from './subscription';

interface RelRow {
  schema: string;
  name: string;
  state: string;
  rows_copying: string | null;
  rows_inserted: string;
}

/**
 * pg_subscription_rel.srsubstate: i = init, d = data is being copied, f = copy finished (15+),
 * s = synchronized with the apply worker, r = ready (changes stream normally).
 */
function progressState(state: string): TableProgress['state'] {
  if (state === 'i') return 'pending';
  if (state === 'd' || state === 'f') return 'loading';
  return 'loaded';
}

/**
 * Per-table state and, while the full load runs (some table not ready yet), the rows copied into
 * each table loading or loaded: the rows of the table-sync worker's COPY still running
 * (pg_stat_progress_copy: they reach the statistics only once it commits) plus the rows inserted
 * into the table (pg_stat_get_tuples_inserted, which pg_stat_user_tables.n_tup_ins shows; over a
 * partitioned table's leaves). Changes applied since a table's copy count too, and rows of a copy
 * that failed and was retried count twice. One catalog row per table, never a count(*). Once
 * every table is ready no counts are given: a reverse replication copies nothing, and the inserts
 * its tables have seen are the applications' own.
 */
export async function tableProgress(db: Database, subscriptionOid: string): Promise<{ tables: TableProgress[]; allReady: boolean }> {
  const rows = await db.query<RelRow>(
    `select n.nspname as schema, c.relname as name, sr.srsubstate::text as state,
            (select max(p.tuples_processed)::text from pg_stat_progress_copy p
              where p.relid = sr.srrelid and p.pid in (select w.pid from pg_stat_subscription w where w.subid = sr.srsubid)) as rows_copying,
            (case when c.relkind = 'p'
                  then (select coalesce(sum(pg_stat_get_tuples_inserted(t.relid)), 0) from pg_partition_tree(c.oid) t where t.isleaf)
                  else pg_stat_get_tuples_inserted(c.oid) end)::text as rows_inserted
       from pg_subscription_rel sr
       join pg_class c on c.oid = sr.srrelid
       join pg_namespace n on n.oid = c.relnamespace
      where sr.srsubid = $1::oid
      order by n.nspname, c.relname`,
    [subscriptionOid],
  );
  const allReady = rows.every((r) => r.state === 'r');
  // The cutover marker table is replicated but is not one of the migration's tables: it counts
  // for allReady (a marker must be able to arrive), but is not listed.
  const tables = rows.filter((r) => !isMarkerTable(r)).map((r): TableProgress => {
    const state = progressState(r.state);
    const counted = !allReady && state !== 'pending';
    return {
      table: displayName(r),
      state,
      ...(counted ? { rowsCopied: Number(r.rows_copying ?? 0) + Number(r.rows_inserted) } : {}),
    };
  });
  return { tables, allReady };
}

async function errorCounts(db: Database, subscriptionOid: string): Promise<{ apply: number; sync: number } | undefined> {
  const [row] = await db.query<{ apply: string; sync: string }>(
    `select apply_error_count::text as apply, sync_error_count::text as sync from pg_stat_subscription_stats where subid = $1::oid`,
    [subscriptionOid],
  );
  return row && { apply: Number(row.apply), sync: Number(row.sync) };
}

/**
 * One look at the subscription on the subscriber: not there, paused by Ferry, disabled after an
 * error (PostgreSQL 15+, where disable_on_error stops it at the first error), disabled otherwise,
 * copying, or streaming.
 */
export async function readStatus(db: Database, subscription: Subscription | undefined, subscriberVersion: number): Promise<ReplicationStatus> {
  if (!subscription) return { state: 'not-started' };
  const { tables, allReady } = await tableProgress(db, subscription.oid);
  if (subscription.enabled) return allReady ? { state: 'cdc', tables } : { state: 'full-load', tables };

  if (subscription.comment === PAUSED_FOR_REVERSE) {
    return { state: 'stopped', detail: 'paused while reverse replication is set up (prepareReverse); stop the reverse replication, then start() resumes it' };
  }
  if (subscription.slotName === null) {
    return { state: 'stopped', detail: 'the subscription has no slot any more (a stop() was interrupted); run stop() again, then start()' };
  }
  const errors = supports.disableOnError(subscriberVersion) ? await errorCounts(db, subscription.oid) : undefined;
  if (errors && errors.apply + errors.sync > 0) {
    const notLoaded = tables.filter((t) => t.state !== 'loaded').map((t) => t.table);
    return {
      state: 'failed',
      cause:
        `The subscription on the ${db.label} was disabled after an error (${errors.apply} apply error(s), ${errors.sync} table-copy ` +
        `error(s) counted). PostgreSQL keeps the error text only in the server log of the ${db.label}: look there for ` +
        `"logical replication" errors. ${notLoaded.length > 0 ? `Tables not copied yet: ${notLoaded.slice(0, 20).join(', ')}${notLoaded.length > 20 ? ', ...' : ''}. ` : ''}` +
        `Fix the cause (often a row that conflicts with a key on the target), then start() resumes from where it stopped.`,
      tables,
    };
  }
  return { state: 'stopped', detail: 'the subscription is disabled; start() resumes it' };
}
