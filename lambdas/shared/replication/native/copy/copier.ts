import type pg from 'pg';
import type { DatabaseRef } from '../../../pg/connection';
import { displayName, type TableName } from '../../../pg/identifiers';
import { readColumns, readTableSizes } from './catalog';
import { CopyAbortedError } from './errors';
import { ProgressTracker, type CopyProgress } from './progress';
import { endSession, openSourceSession, openTargetSession, sessionError } from './sessions';
import { copyUnit, type Worker } from './unit-copy';
import { planUnits } from './units';

export interface CopyTablesOptions {
  readonly source: DatabaseRef;
  readonly target: DatabaseRef;
  /** The exported snapshot every worker imports (`createSnapshotSlot`). */
  readonly snapshot: string;
  /** Tables to copy, each once; empty on the target (`assertEmpty`). */
  readonly tables: readonly TableName[];
  /** Copy workers, each with one source and one target connection. @default 4 */
  readonly workers?: number;
  /** Tables whose main fork is larger than this (bytes) are copied as page ranges. @default 256 MiB */
  readonly parallelTableBytes?: number;
  /** Ranges a large table is cut into. @default workers */
  readonly rangesPerTable?: number;
  /** Hears progress: once planned, at most every `progressIntervalMs` while copying, and at the end. */
  readonly onProgress?: (progress: CopyProgress) => void;
  /** @default 1000 */
  readonly progressIntervalMs?: number;
  /**
   * Called once every worker holds the snapshot: from then on the exporting session is no longer
   * needed, and closing it early ends its open transaction on the source.
   */
  readonly onSnapshotImported?: () => Promise<void> | void;
  /** Stops every worker (CopyAbortedError), e.g. before a deadline. */
  readonly signal?: AbortSignal;
}

export const DEFAULTS = { workers: 4, parallelTableBytes: 256 * 1024 * 1024, progressIntervalMs: 1000 } as const;

/**
 * Copies the tables as they are in the snapshot: the units of `planUnits`, largest first, each
 * taken by the next free worker. Sizes and columns are read once, on the first worker's session,
 * inside the snapshot. The target sessions open first, so a target that refuses
 * `session_replication_role` is reported before the source is read.
 *
 * The first unit to fail stops the others (their connections are ended, and the servers roll
 * back their open COPY), and is what is thrown, once every session is closed. Units done by then
 * stay committed: the tables are partly filled and the copy cannot resume (see errors.ts).
 */
export async function copyTables(options: CopyTablesOptions): Promise<CopyProgress> {
  const workers = options.workers ?? DEFAULTS.workers;
  if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`workers must be a whole number of 1 or more, got ${workers}`);
  const names = options.tables.map(displayName);
  const repeated = names.find((n, i) => names.indexOf(n) !== i);
  if (repeated !== undefined) throw new RangeError(`the table ${repeated} is listed twice; each table is copied once`);
  if (options.signal?.aborted) throw new CopyAbortedError(options.signal.reason);

  const opened: pg.Client[] = [];
  const stop = new AbortController();
  let failure: { error: unknown } | undefined;
  const onAbort = () => stop.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  stop.signal.addEventListener('abort', () => opened.forEach((client) => void endSession(client)), { once: true });
  try {
    const targets = [await openTargetSession(options.target, opened)];
    const sources = [await openSourceSession(options.source, options.snapshot, opened)];
    const plan = await readPlan(options, sources[0]!);
    const count = Math.max(1, Math.min(workers, plan.units.length));
    targets.push(...(await settled(Array.from({ length: count - 1 }, () => openTargetSession(options.target, opened)))));
    sources.push(...(await settled(Array.from({ length: count - 1 }, () => openSourceSession(options.source, options.snapshot, opened)))));
    await options.onSnapshotImported?.();

    const progress = new ProgressTracker(plan.units, names, options.onProgress, options.progressIntervalMs ?? DEFAULTS.progressIntervalMs);
    let next = 0;
    const fail = (error: unknown) => {
      if (stop.signal.aborted) return; // a consequence of the first failure, or of the caller's abort
      failure = { error };
      stop.abort(error);
    };
    const run = async (worker: Worker) => {
      while (!stop.signal.aborted && next < plan.units.length) {
        const index = next++;
        const unit = plan.units[index]!;
        progress.started(index);
        try {
          const columns = plan.columns.get(displayName(unit.table))!;
          progress.done(index, await copyUnit(worker, unit, columns, (rows) => progress.rows(index, rows)));
        } catch (error) {
          return fail(error);
        }
        if (progress.failure !== undefined) return fail(progress.failure);
      }
    };
    const labels = { sourceLabel: options.source.label, targetLabel: options.target.label };
    await Promise.all(sources.map((source, i) => run({ source, target: targets[i]!, ...labels })));
    if (failure) throw failure.error;
    if (stop.signal.aborted) throw new CopyAbortedError(stop.signal.reason);
    return progress.finish();
  } catch (error) {
    // The caller's abort ends sessions that may still be opening: that is the abort, not a connection failure.
    if (failure === undefined && options.signal?.aborted) throw new CopyAbortedError(options.signal.reason);
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await Promise.all(opened.map(endSession));
  }
}

async function readPlan(options: CopyTablesOptions, session: pg.Client) {
  try {
    const sizes = await readTableSizes(session, options.source.label, options.tables);
    const columns = await readColumns(session, options.tables);
    const units = planUnits(sizes, {
      parallelTableBytes: options.parallelTableBytes ?? DEFAULTS.parallelTableBytes,
      rangesPerTable: options.rangesPerTable ?? options.workers ?? DEFAULTS.workers,
    });
    return { units, columns };
  } catch (error) {
    throw sessionError(options.source.label, error);
  }
}

/** Waits for every promise (so no session is still connecting when they are all ended), then fails with the first failure. */
async function settled<T>(promises: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}
