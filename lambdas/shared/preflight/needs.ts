import type { Database } from '../pg/connection';
import type { PreflightContext, Side } from './check';

/**
 * What the replication takes on the databases depends on its engine and, for native replication,
 * on how many tables the target copies at a time during the initial sync. That is the target
 * server's `max_sync_workers_per_subscription` (a subscription cannot set its own), so preflight
 * reads it there instead of taking a number from the config.
 */
export type ReplicationPlan = { readonly engine: 'dms' } | { readonly engine: 'native'; readonly parallelCopies: number };

/** The target server's `max_sync_workers_per_subscription`: the most tables a subscription's initial sync copies at a time. */
export async function readParallelCopies(target: Database): Promise<number> {
  const [row] = await target.query<{ n: string }>("select pg_catalog.current_setting('max_sync_workers_per_subscription') as n");
  const n = Number(row?.n);
  if (row === undefined || !Number.isInteger(n) || n < 0) throw new Error(`the ${target.label} returned no max_sync_workers_per_subscription (got ${JSON.stringify(row?.n)})`);
  return n;
}

/** The plan of this migration's replication: for the native engine, read from the target server. */
export async function readReplicationPlan(ctx: Pick<PreflightContext, 'engine' | 'target'>): Promise<ReplicationPlan> {
  return ctx.engine === 'dms' ? { engine: 'dms' } : { engine: 'native', parallelCopies: await readParallelCopies(ctx.target) };
}

/** Where the number of parallel copies comes from and where to change it, for messages; undefined for DMS. */
export function parallelCopiesNote(plan: ReplicationPlan): string | undefined {
  return plan.engine === 'dms' ? undefined : copiesNote(plan.parallelCopies);
}

const copiesNote = (copies: number) =>
  `Parallel initial copies: ${copies}, from the target's max_sync_workers_per_subscription; change it in the server's parameters (RDS: parameter group).`;

export interface ReplicationNeed {
  /** Replication slots, and WAL sender connections, that the replication holds at its peak. */
  readonly count: number;
  /** Why that many, for messages. */
  readonly because: string;
  /** Where a number in `because` comes from, a sentence for messages. @default none */
  readonly note?: string;
}

const copiesBecause = (copies: number) => `${copies} for the parallel initial copies (each table being copied holds a temporary one)`;

/**
 * What starting the replication takes on the source. Native: the subscription's slot plus one
 * temporary slot (and WAL sender) per table copied in parallel during the initial sync. DMS: one
 * slot for the task.
 */
export function replicationNeed(plan: ReplicationPlan): ReplicationNeed {
  if (plan.engine === 'dms') return { count: 1, because: '1 for the DMS task' };
  return {
    count: 1 + plan.parallelCopies,
    because: `1 for the subscription and ${copiesBecause(plan.parallelCopies)}`,
    note: copiesNote(plan.parallelCopies),
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
export function slotUses(ctx: ReplicationPlan & Pick<PreflightContext, 'ferrySlots'>, side: Side): SlotUse[] {
  const named = (name: string | undefined) => (name === undefined ? {} : { name });
  if (side === 'target') {
    return [
      { count: 1, because: '1 for change capture', ...named(ctx.ferrySlots?.target.capture) },
      { count: 1, because: '1 for the reverse replication at cutover', ...named(ctx.ferrySlots?.target.reverse), atCutover: true },
    ];
  }
  const capture: SlotUse = { count: 1, because: '1 for change capture', ...named(ctx.ferrySlots?.source.capture) };
  if (ctx.engine === 'dms') return [{ count: 1, because: '1 for the DMS task' }, capture];
  return [
    { count: 1, because: '1 for the subscription', ...named(ctx.ferrySlots?.source.replication) },
    { count: ctx.parallelCopies, because: copiesBecause(ctx.parallelCopies) },
    capture,
  ];
}
