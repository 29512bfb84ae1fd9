import type { TransitionRecord } from '../checkpoints';
import type { TableProgress } from './engine';

/**
 * How far a full load got and how long it still needs, from figures already read (pure: no I/O).
 *
 * **Rows left.** Per table: 0 once the table is loaded (whatever its estimate: its rows are all
 * there); otherwise the source's estimate (pg_class.reltuples) less the rows copied so far, never
 * below 0 (an estimate older than the table's growth). A table not loaded whose estimate or count
 * is unknown makes the total unknown: it is never taken as 0.
 *
 * **Rate: the average since the full load started**, rows copied / seconds since the start. The
 * start is the newest transition into phase `replicating` in the STATE item's history (the migrate
 * workflow records it right after it started the replication, and again when a migration aborted
 * or rolled back starts over), or, where there is no checkpoint (the rehearsal's live view), the
 * first reading that saw the replication. Chosen over the rate between two readings because it needs nothing stored between
 * invocations (the replication-status step and the monitor stay stateless and safe to repeat), it
 * is steady where readings jump (a table's COPY commits all at once on native, DMS reports in
 * bursts), and it becomes more exact as the load goes on, which is when an operator plans the
 * cutover by it. Its costs, accepted: the time before the first row (DMS provisioning, a slot
 * being created) and a reload within the phase (which keeps the older start) lower the rate, so
 * the ETA errs long rather than short, and a load that slows down late is seen slowly. The cost of the figures is one entry per table, never a
 * row of a user table.
 *
 * **ETA** = rows left / rate, rounded up to a whole second: 0 when nothing is left; unknown
 * (undefined) while the rows left are unknown, there is no rate yet (no start known, no time
 * elapsed, a copied count missing) or the rate is 0 (nothing copied yet).
 */

/** One table during the full load: the engine's count and the source's estimate. */
export interface TableLoad {
  readonly table: string;
  readonly state: TableProgress['state'];
  /** Rows copied so far; undefined when the engine does not say (a pending table has copied none). */
  readonly rowsCopied?: number;
  /** The source planner's estimate; undefined when it has none (never analyzed). */
  readonly rowsEstimated?: number;
}

export interface LoadTiming {
  /** When the full load started (epoch ms); undefined when not known. */
  readonly startedAt?: number;
  /** Epoch ms. */
  readonly now: number;
}

export interface FullLoadProgress {
  /** Rows copied over every table (tables without a count add nothing). */
  readonly rowsCopied: number;
  /** The source's estimate over every table; null when a table has none. */
  readonly rowsEstimated: number | null;
  /** Rows still to copy (see the module comment); null when unknown. */
  readonly rowsLeft: number | null;
  /** rowsCopied of (rowsCopied + rowsLeft), 0-100, rounded down (100 only when nothing is left); null when unknown. */
  readonly percent: number | null;
  /** Average rows per second since the start; null when there is no rate yet. */
  readonly rowsPerSecond: number | null;
  /** Seconds left at that rate; null when unknown, 0 when nothing is left. */
  readonly estimatedSecondsLeft: number | null;
  /** Tables not loaded yet whose estimate is unknown: why rowsLeft is null (ANALYZE them on the source). */
  readonly tablesWithoutEstimate: number;
}

/** Nothing known but the rows copied: before the load (starting) or while it does not run (stopped). */
export const UNKNOWN_PROGRESS: FullLoadProgress = { rowsCopied: 0, rowsEstimated: null, rowsLeft: null, percent: null, rowsPerSecond: null, estimatedSecondsLeft: null, tablesWithoutEstimate: 0 };

/** Rows still to copy into one table; undefined when that cannot be told. */
export function tableRowsLeft(table: TableLoad): number | undefined {
  if (table.state === 'loaded') return 0;
  const copied = table.rowsCopied ?? (table.state === 'pending' ? 0 : undefined);
  if (table.rowsEstimated === undefined || copied === undefined) return undefined;
  return Math.max(0, table.rowsEstimated - copied);
}

/** Average rows per second since `startedAt`; undefined with no start or no time elapsed yet. */
export function copyRate(rowsCopied: number, timing: LoadTiming): number | undefined {
  if (timing.startedAt === undefined) return undefined;
  const seconds = (timing.now - timing.startedAt) / 1000;
  return seconds > 0 ? Math.max(0, rowsCopied) / seconds : undefined;
}

/** Seconds to copy `rowsLeft` at `rowsPerSecond`: 0 when nothing is left, undefined without a positive rate. */
export function secondsLeft(rowsLeft: number | undefined, rowsPerSecond: number | undefined): number | undefined {
  if (rowsLeft === undefined) return undefined;
  if (rowsLeft <= 0) return 0;
  if (rowsPerSecond === undefined || !(rowsPerSecond > 0)) return undefined;
  return Math.ceil(rowsLeft / rowsPerSecond);
}

/** The whole load's figures from its tables' (see the module comment). */
export function fullLoadProgress(tables: readonly TableLoad[], timing: LoadTiming): FullLoadProgress {
  // No table listed yet (DMS before its first table statistics) tells nothing, least of all "done".
  if (tables.length === 0) return { ...UNKNOWN_PROGRESS, rowsCopied: 0 };
  let rowsCopied = 0;
  let rowsEstimated: number | undefined = 0;
  let rowsLeft: number | undefined = 0;
  let countsComplete = true;
  let tablesWithoutEstimate = 0;
  for (const table of tables) {
    rowsCopied += table.rowsCopied ?? 0;
    if (table.rowsCopied === undefined && table.state !== 'pending') countsComplete = false;
    rowsEstimated = table.rowsEstimated === undefined || rowsEstimated === undefined ? undefined : rowsEstimated + table.rowsEstimated;
    if (table.rowsEstimated === undefined && table.state !== 'loaded') tablesWithoutEstimate++;
    const left = tableRowsLeft(table);
    rowsLeft = left === undefined || rowsLeft === undefined ? undefined : rowsLeft + left;
  }
  // A rate over a partial count would be too low and the ETA too long: no rate rather than a wrong one.
  const rate = countsComplete ? copyRate(rowsCopied, timing) : undefined;
  return {
    rowsCopied,
    rowsEstimated: rowsEstimated ?? null,
    rowsLeft: rowsLeft ?? null,
    percent: rowsLeft === undefined ? null : percentOf(rowsCopied, rowsLeft),
    rowsPerSecond: rate === undefined ? null : Math.round(rate * 10) / 10,
    estimatedSecondsLeft: secondsLeft(rowsLeft, rate) ?? null,
    tablesWithoutEstimate,
  };
}

function percentOf(copied: number, left: number): number {
  if (left <= 0) return 100;
  return Math.floor((copied / (copied + left)) * 1000) / 10;
}

/**
 * When the full load started: the newest move into `replicating` in a STATE item's history
 * (oldest first), as epoch ms; undefined when there is none.
 */
export function fullLoadStartedAt(history: readonly TransitionRecord[] | undefined): number | undefined {
  const entry = [...(history ?? [])].reverse().find((t) => t.to === 'replicating');
  const at = entry === undefined ? Number.NaN : Date.parse(entry.at);
  return Number.isFinite(at) ? at : undefined;
}
