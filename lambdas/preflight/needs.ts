import { PREFLIGHT_DEFAULTS, type PreflightContext, type Side } from './check';

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

/** Slots Ferry's migration creates on one database, one entry per reason. */
export interface SlotUse {
  readonly count: number;
  /** `1 for change capture`, for messages. */
  readonly because: string;
  /** The slot's name, when Ferry names it: one that exists already is not created again. */
  readonly name?: string;
  /** Only needed at cutover (the reverse replication), not to start. */
  readonly atCutover?: true;
}

/**
 * Every slot the migration holds on that database. The source: the replication's (see
 * replicationNeed) and the change-capture slot. The target: the change-capture slot and, from
 * cutover on, the reverse replication's. Change capture reads its slots through SQL
 * (pg_logical_slot_peek_changes), so they take no WAL sender.
 */
export function slotUses(ctx: Pick<PreflightContext, 'engine' | 'syncWorkers' | 'ferrySlots'>, side: Side): SlotUse[] {
  const named = (name: string | undefined) => (name === undefined ? {} : { name });
  if (side === 'target') {
    return [
      { count: 1, because: '1 for change capture', ...named(ctx.ferrySlots?.target.capture) },
      { count: 1, because: '1 for the reverse replication at cutover', ...named(ctx.ferrySlots?.target.reverse), atCutover: true },
    ];
  }
  const capture: SlotUse = { count: 1, because: '1 for change capture', ...named(ctx.ferrySlots?.source.capture) };
  if (ctx.engine === 'dms') return [{ count: 1, because: '1 for the DMS task' }, capture];
  const workers = ctx.syncWorkers ?? PREFLIGHT_DEFAULTS.syncWorkers;
  return [
    { count: 1, because: '1 for the subscription', ...named(ctx.ferrySlots?.source.replication) },
    { count: workers, because: `${workers} for the parallel initial copy (syncWorkers = ${workers}; each table being copied holds a temporary one)` },
    capture,
  ];
}
