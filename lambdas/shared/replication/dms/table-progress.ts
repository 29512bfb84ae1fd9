import type { TableStatistics } from '@aws-sdk/client-database-migration-service';
import { displayName } from '../../pg/identifiers';
import type { TableProgress } from '../engine';
import type { DmsReplicationView } from './view';

/**
 * TableStatistics.TableState values (DMS API reference: "Table does not exist | Before load | Full
 * load | Table completed | Table cancelled | Table error | Table is being reloaded"), plus the
 * spellings the DMS console uses ("Queued", "Table loading"). Unknown states count as pending, so
 * a table is never taken for copied on a guess.
 */
const STATES: Readonly<Record<string, { state: TableProgress['state']; error?: string }>> = {
  'before load': { state: 'pending' },
  queued: { state: 'pending' },
  'full load': { state: 'loading' },
  'table loading': { state: 'loading' },
  'table is being reloaded': { state: 'loading' },
  'table completed': { state: 'loaded' },
  'table error': { state: 'error', error: 'DMS reports "Table error": loading or applying changes to this table failed' },
  'table cancelled': { state: 'error', error: 'DMS reports "Table cancelled": loading this table was cancelled' },
  'table does not exist': { state: 'error', error: 'DMS reports "Table does not exist": it cannot find this table on the source' },
};

export function tableProgress(stats: TableStatistics): TableProgress {
  const known = STATES[(stats.TableState ?? '').trim().toLowerCase()] ?? { state: 'pending' as const };
  return {
    table: displayName({ schema: stats.SchemaName ?? '?', name: stats.TableName ?? '?' }),
    state: known.state,
    ...(stats.FullLoadRows === undefined ? {} : { rowsCopied: stats.FullLoadRows }),
    ...(known.error === undefined ? {} : { error: known.error }),
  };
}

/** Every table's progress, sorted by name so that reports are stable. */
export function tablesProgress(stats: readonly TableStatistics[]): TableProgress[] {
  return stats.map(tableProgress).sort((a, b) => (a.table < b.table ? -1 : a.table > b.table ? 1 : 0));
}

/**
 * How far the initial copy got, which decides whether resuming is safe:
 * - `complete`: nothing left to copy (a CDC-only replication, a finished full load, or every table loaded);
 * - `not-begun`: no table has started loading, so no rows are on the target;
 * - `partial`: some tables are (partly) copied and others are not.
 */
export type CopyState = 'complete' | 'not-begun' | 'partial';

export function copyState(view: DmsReplicationView, tables: readonly TableProgress[]): CopyState {
  if (view.migrationType === 'cdc' || view.fullLoadFinished) return 'complete';
  if (tables.length > 0 && tables.every((t) => t.state === 'loaded')) return 'complete';
  if (tables.every((t) => t.state === 'pending' && !(t.rowsCopied && t.rowsCopied > 0))) return 'not-begun';
  return 'partial';
}

/** The tables in error, as one sentence part: `public.a (DMS reports ...); public.b (...)`. */
export function tableErrors(tables: readonly TableProgress[]): string | undefined {
  const failed = tables.filter((t) => t.state === 'error');
  if (failed.length === 0) return undefined;
  return failed.map((t) => `${t.table} (${t.error ?? 'error'})`).join('; ');
}
