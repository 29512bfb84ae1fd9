import { PREFLIGHT_DEFAULTS, type PreflightContext } from './check';

export interface ReplicationNeed {
  /** Replication slots, and WAL sender connections, that the replication holds at its peak. */
  readonly count: number;
  /** Why that many, for messages. */
  readonly because: string;
}

/**
 * What starting the replication takes on the source. Native: the subscription's slot plus one
 * temporary slot (and WAL sender) per table copied in parallel during the initial sync. DMS: one
 * slot for the task.
 */
export function replicationNeed(ctx: Pick<PreflightContext, 'engine' | 'syncWorkers'>): ReplicationNeed {
  if (ctx.engine === 'dms') return { count: 1, because: '1 for the DMS task' };
  const workers = ctx.syncWorkers ?? PREFLIGHT_DEFAULTS.syncWorkers;
  return {
    count: 1 + workers,
    because: `1 for the subscription and ${workers} for the parallel initial copy (syncWorkers = ${workers}; each table being copied holds a temporary one)`,
  };
}
