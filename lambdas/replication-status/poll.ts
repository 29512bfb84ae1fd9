import { METRICS, publishMetric } from '../shared/catalog/metrics';
import type { MetricsPort } from '../shared/observability';
import { ReplicationFailedError, type ReplicationEngine, type ReplicationState, type TableProgress } from '../shared/replication/engine';
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
}

/**
 * One look at the replication, for a Wait loop in a workflow. A failed replication throws
 * ReplicationFailedError with the engine's cause, so the workflow's Catch reports it.
 */
export async function pollReplication(migrationId: string, engine: ReplicationEngine, metrics: MetricsPort): Promise<ReplicationStatusOutput> {
  const status = await engine.status();
  if (status.state === 'failed') {
    throw new ReplicationFailedError(`Replication of migration "${migrationId}" (${engine.kind}) failed: ${status.cause}`);
  }
  const tables: readonly TableProgress[] = 'tables' in status ? status.tables : [];
  const count = (state: TableProgress['state']) => tables.filter((t) => t.state === state).length;
  const lag = status.state === 'cdc' ? await lagOrNull(engine) : null;
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
  };
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
