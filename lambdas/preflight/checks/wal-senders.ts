import type { Database } from '../../shared/pg/connection';
import type { CheckOutcome, PreflightCheck } from '../check';
import { readSettings } from '../catalog';
import { replicationNeed, type ReplicationNeed } from '../needs';
import { sentences } from '../text';

export interface WalSenderUse {
  readonly max: number;
  /** WAL sender processes running now (streaming replicas, other logical replications, backups). */
  readonly used: number;
}

export function walSendersResult(need: ReplicationNeed, use: WalSenderUse): CheckOutcome {
  const free = use.max - use.used;
  const found = `The source has ${free} of max_wal_senders = ${use.max} free (${use.used} in use); the replication needs ${need.count} (${need.because}).`;
  if (free < need.count) {
    return {
      severity: 'error',
      message: sentences(
        found,
        `Raise max_wal_senders to at least ${use.used + need.count} (RDS: in the DB parameter group, then reboot; self-managed: ALTER SYSTEM SET max_wal_senders = ${use.used + need.count} and restart). Without a free WAL sender the replication cannot connect.`,
      ),
      objects: ['max_wal_senders'],
    };
  }
  return { severity: 'ok', message: found, objects: [] };
}

export async function readWalSenderUse(db: Database): Promise<WalSenderUse> {
  const [settings, [row]] = await Promise.all([
    readSettings(db, ['max_wal_senders']),
    // pg_stat_replication lists every WAL sender, even to a user who may not see their details.
    db.query<{ used: number }>('select count(*)::int as used from pg_catalog.pg_stat_replication'),
  ]);
  return { max: Number(settings.get('max_wal_senders') ?? 0), used: row?.used ?? 0 };
}

export const walSenders: PreflightCheck = {
  id: 'wal-senders',
  title: 'Free WAL senders (max_wal_senders) on the source for the replication connections',
  databases: ['source'],
  run: async (ctx) => walSendersResult(replicationNeed(ctx), await readWalSenderUse(ctx.source)),
};
