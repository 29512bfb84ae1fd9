import { METRICS, publishMetric } from '../shared/catalog/metrics';
import type { MetricsPort } from '../shared/observability';
import { ReplicationFailedError, type ReplicationEngine, type ReplicationState, type TableProgress } from '../shared/replication/engine';
import { fullLoadProgress, UNKNOWN_PROGRESS, type FullLoadProgress, type TableLoad } from '../shared/replication/progress-eta';
import { isRetryableError } from '../shared/retry';

/** Tables listed by name in the output; the counts always cover all of them. */
export const STATUS_TABLE_LIMIT = 100;

export interface ReplicationStatusOutput {
  readonly migrationId: string;
  readonly engine: 'dms' | 'native';
  readonly state: Exclude<ReplicationState, 'failed'>;
  /** Every table copied and changes streaming: the workflow's wait loop ends on this. */
  readonly fullLoadComplete: boolean;
  readonly tables: { readonly total: number; readonly pending: number; readonly loading: number; readonly loaded: number };
  /** Rows copied so far, where the engine reports them. */
  readonly rowsCopied: number;
  /** Tables not yet loaded, by name (at most STATUS_TABLE_LIMIT). */
  readonly notLoaded: readonly string[];
  /** Seconds behind the source while streaming; null when not streaming or not known yet. */
  readonly lagSeconds: number | null;
  readonly lagBytes: number | null;
  readonly detail?: string;
  /** Rows copied of those to copy, the rate and the time left (lambdas/shared/replication/progress-eta.ts). */
  readonly progress: StatusProgress;
}

/**
 * The full load's figures over every table (null where unknown, never a guessed 0), and per table
 * at most STATUS_TABLE_LIMIT: those loading first, then those waiting, then those loaded. During
 * the full load only; once changes stream nothing is left (0 seconds), before and while stopped
 * nothing but the rows copied is known.
 */
export interface StatusProgress extends FullLoadProgress {
  /** When the full load started (ISO-8601), from which the rate is averaged; null when not known. */
  readonly startedAt: string | null;
  readonly tables: readonly TableLoadFigures[];
  /** Why the estimates or the start could not be read; the other figures stand. */
  readonly problem?: string;
}

export interface TableLoadFigures {
  readonly table: string;
  readonly state: TableProgress['state'];
  /** Null when the engine does not say. */
  readonly rowsCopied: number | null;
  /** The source's estimate; null when it has none (never analyzed). */
  readonly rowsEstimated: number | null;
}

/** What the progress needs besides the engine: catalog readings and the checkpoint, for the full load only. */
export interface ProgressReadings {
  /** The source planner's estimate per table, by TableProgress.table; a table missing has none. */
  estimates(tables: readonly string[]): Promise<ReadonlyMap<string, number>>;
  /** When the full load started (epoch ms), if known. */
  startedAt(): Promise<number | undefined>;
  now(): number;
}

const NO_READINGS: ProgressReadings = { estimates: async () => new Map(), startedAt: async () => undefined, now: () => Date.now() };

/**
 * One look at the replication, for a Wait loop in a workflow. A failed replication throws
 * ReplicationFailedError with the engine's cause, so the workflow's Catch reports it.
 */
export async function pollReplication(migrationId: string, engine: ReplicationEngine, metrics: MetricsPort, readings: ProgressReadings = NO_READINGS): Promise<ReplicationStatusOutput> {
  const status = await engine.status();
  if (status.state === 'failed') {
    throw new ReplicationFailedError(`Replication of migration "${migrationId}" (${engine.kind}) failed: ${status.cause}`);
  }
  const tables: readonly TableProgress[] = 'tables' in status ? status.tables : [];
  const count = (state: TableProgress['state']) => tables.filter((t) => t.state === state).length;
  const [lag, progress] = await Promise.all([status.state === 'cdc' ? lagOrNull(engine) : null, progressOf(status.state, tables, readings)]);
  const dimensions = { migrationId };
  if (lag) publishMetric(metrics, METRICS.replicationLagSeconds, lag.seconds, dimensions);
  if (lag?.bytes !== undefined) publishMetric(metrics, METRICS.replicationLagBytes, lag.bytes, dimensions);
  return {
    migrationId,
    engine: engine.kind,
    state: status.state,
    fullLoadComplete: status.state === 'cdc',
    tables: { total: tables.length, pending: count('pending'), loading: count('loading'), loaded: count('loaded') },
    rowsCopied: tables.reduce((sum, t) => sum + (t.rowsCopied ?? 0), 0),
    notLoaded: tables.filter((t) => t.state !== 'loaded').slice(0, STATUS_TABLE_LIMIT).map((t) => t.table),
    lagSeconds: lag?.seconds ?? null,
    lagBytes: lag?.bytes ?? null,
    ...('detail' in status ? { detail: status.detail } : {}),
    progress,
  };
}

const LISTING_ORDER: Readonly<Record<TableProgress['state'], number>> = { loading: 0, pending: 1, error: 2, loaded: 3 };

async function progressOf(state: ReplicationState, tables: readonly TableProgress[], readings: ProgressReadings): Promise<StatusProgress> {
  const copied = tables.reduce((sum, t) => sum + (t.rowsCopied ?? 0), 0);
  if (state === 'cdc') return { ...UNKNOWN_PROGRESS, rowsCopied: copied, rowsLeft: 0, percent: 100, estimatedSecondsLeft: 0, startedAt: null, tables: [] };
  if (state !== 'full-load') return { ...UNKNOWN_PROGRESS, rowsCopied: copied, startedAt: null, tables: [] };
  const problems: string[] = [];
  const [estimates, startedAt] = await Promise.all([
    readings.estimates(tables.map((t) => t.table)).catch((error: unknown) => {
      problems.push(`estimates unknown: ${messageOf(error)}`);
      return new Map<string, number>();
    }),
    readings.startedAt().catch((error: unknown) => {
      problems.push(`start of the full load unknown: ${messageOf(error)}`);
      return undefined;
    }),
  ]);
  const loads = tables.map((t): TableLoad => ({ ...t, ...(estimates.has(t.table) ? { rowsEstimated: estimates.get(t.table) } : {}) }));
  const listed = [...loads].sort((a, b) => LISTING_ORDER[a.state] - LISTING_ORDER[b.state]).slice(0, STATUS_TABLE_LIMIT);
  return {
    ...fullLoadProgress(loads, { startedAt, now: readings.now() }),
    startedAt: startedAt === undefined ? null : new Date(startedAt).toISOString(),
    tables: listed.map((t) => ({ table: t.table, state: t.state, rowsCopied: t.rowsCopied ?? (t.state === 'pending' ? 0 : null), rowsEstimated: t.rowsEstimated ?? null })),
    ...(problems.length > 0 ? { problem: problems.join('; ') } : {}),
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Lag that is not known yet (no metric datapoint) is reported as null, never as zero. */
async function lagOrNull(engine: ReplicationEngine) {
  try {
    return await engine.lag();
  } catch (error) {
    if (isRetryableError(error)) return null;
    throw error;
  }
}
