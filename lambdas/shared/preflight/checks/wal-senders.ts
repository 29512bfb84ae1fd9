import type { Database } from '../../pg/connection';
import type { CheckOutcome, PreflightCheck, Side } from '../check';
import { readSettings } from '../catalog';
import { slotNamesOn } from '../ferry-slots';
import { readReplicationPlan, replicationNeed, type ReplicationNeed } from '../needs';
import { capitalize, sentences } from '../text';

export interface WalSenderUse {
  readonly max: number;
  /** WAL sender processes running now (streaming replicas, other logical replications, backups). */
  readonly used: number;
  /** Of those, the ones streaming this migration's own slots (a re-run while its replication runs): they are its need, not in its way. */
  readonly ours: number;
}

/** The reverse replication (target -> source, for a rollback after cutover) connects to the target through one WAL sender. */
const REVERSE_NEED = 1;

const CAPTURE_NOTE = 'Change capture takes no WAL sender on either database: it reads its slots through SQL from ordinary sessions.';

/** Free WAL senders, counting those that this migration's own replication holds as free for it. */
function free(use: WalSenderUse): number {
  return use.max - use.used + use.ours;
}

function found(side: Side, use: WalSenderUse, needs: string): string {
  const ours = use.ours > 0 ? `, ${use.ours} of them by this migration's own replication, free for it` : '';
  return `The ${side} has ${free(use)} of max_wal_senders = ${use.max} free (${use.used} in use${ours}); ${needs}.`;
}

function raise(side: Side, use: WalSenderUse, need: number): string {
  const to = use.used - use.ours + need;
  return `raise max_wal_senders on the ${side} to at least ${to} (RDS: in the DB parameter group, then reboot; self-managed: ALTER SYSTEM SET max_wal_senders = ${to} and restart)`;
}

/**
 * The replication connects to the source through WAL senders (see replicationNeed); at cutover
 * the reverse replication connects to the target through one. Too few on the source stops the
 * start (an error); on the target it is needed only at cutover (a warning).
 */
export function walSendersResult(need: ReplicationNeed, use: Readonly<Record<Side, WalSenderUse>>): CheckOutcome {
  const sourceShort = free(use.source) < need.count;
  const targetShort = free(use.target) < REVERSE_NEED;
  return {
    severity: sourceShort ? 'error' : targetShort ? 'warning' : 'ok',
    message: sentences(
      found('source', use.source, `the replication needs ${need.count} (${need.because})`),
      sourceShort && `${capitalize(raise('source', use.source, need.count))}. Without a free WAL sender the replication cannot connect.`,
      found('target', use.target, `the reverse replication needs ${REVERSE_NEED} at cutover`),
      targetShort && `The migration can start, but before cutover ${raise('target', use.target, REVERSE_NEED)}: without a free WAL sender a rollback after cutover cannot replicate back.`,
      need.note,
      CAPTURE_NOTE,
    ),
    objects: [...(sourceShort ? ['source:max_wal_senders'] : []), ...(targetShort ? ['target:max_wal_senders'] : [])],
  };
}

/** WAL senders on the database's server, and those holding one of `ours` (this migration's slots on it). */
export async function readWalSenderUse(db: Database, ours: readonly string[]): Promise<WalSenderUse> {
  const [settings, [row]] = await Promise.all([
    readSettings(db, ['max_wal_senders']),
    // pg_stat_replication lists every WAL sender (its pid at least), even to a user who may not see their details.
    db.query<{ used: number; ours: number }>(
      `select count(*)::int as used,
              count(*) filter (where r.pid in (select s.active_pid from pg_catalog.pg_replication_slots s where s.slot_name = any($1::text[])))::int as ours
         from pg_catalog.pg_stat_replication r`,
      [ours],
    ),
  ]);
  return { max: Number(settings.get('max_wal_senders') ?? 0), used: row?.used ?? 0, ours: row?.ours ?? 0 };
}

export const walSenders: PreflightCheck = {
  id: 'wal-senders',
  title: 'Free WAL senders (max_wal_senders) on the source for the replication, and on the target for the reverse replication at cutover (change capture takes none)',
  databases: ['source', 'target'],
  async run(ctx) {
    const [source, target, plan] = await Promise.all([
      readWalSenderUse(ctx.source, slotNamesOn(ctx.ferrySlots, 'source')),
      readWalSenderUse(ctx.target, slotNamesOn(ctx.ferrySlots, 'target')),
      readReplicationPlan(ctx),
    ]);
    return walSendersResult(replicationNeed(plan), { source, target });
  },
};
