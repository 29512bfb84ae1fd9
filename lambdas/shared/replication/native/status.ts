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
  rows_copied: string | null;
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

/** Per-table state, with rows copied so far from the table-sync worker's COPY, while one runs. */
export async function tableProgress(db: Database, subscriptionOid: string): Promise<{ tables: TableProgress[]; allReady: boolean }> {
  const rows = await db.query<RelRow>(
    `select n.nspname as schema, c.relname as name, sr.srsubstate::text as state,
            (select max(p.tuples_processed)::text from pg_stat_progress_copy p
              where p.relid = sr.srrelid and p.pid in (select w.pid from pg_stat_subscription w where w.subid = sr.srsubid)) as rows_copied
       from pg_subscription_rel sr
       join pg_class c on c.oid = sr.srrelid
       join pg_namespace n on n.oid = c.relnamespace
      where sr.srsubid = $1::oid
      order by n.nspname, c.relname`,
    [subscriptionOid],
  );
  // The cutover marker table is replicated but is not one of the migration's tables: it counts
  // for allReady (a marker must be able to arrive), but is not listed.
  const tables = rows.filter((r) => !isMarkerTable(r)).map((r): TableProgress => {
    const state = progressState(r.state);
    return {
      table: displayName(r),
      state,
      ...(state === 'loading' && r.rows_copied !== null ? { rowsCopied: Number(r.rows_copied) } : {}),
    };
  });
  return { tables, allReady: rows.every((r) => r.state === 'r') };
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
