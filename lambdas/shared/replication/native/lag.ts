import type { Database } from '../../pg/connection';
import { ReplicationLagUnknownError, ReplicationNotFoundError, type ReplicationLag } from '../engine';
import { confirmedUpTo, slotPosition } from './slots';
import { pollFor } from './wait';

export interface LagOptions {
  /** The longest the measurement waits for the subscriber to catch up. */
  readonly probeMs: number;
  /** @default 100 */
  readonly pollMs?: number;
}

/**
 * Lag of the subscription that uses `slot` on the publisher `db`.
 *
 * bytes: the publisher's current WAL position minus the position the subscriber has confirmed
 * (applied and flushed). WAL of other databases on the same server counts too until the WAL
 * sender has passed it, so it is an upper bound of the data still to apply.
 *
 * seconds: measured, not estimated. PostgreSQL keeps no commit time per WAL position (and
 * pg_stat_replication's replay_lag is NULL when idle and stale when stuck), so the measurement
 * takes the publisher's current WAL position and waits until the subscriber confirms it: the
 * time that takes is how long a change committed now takes to reach the target, which is the
 * port's "seconds between a change committing on the source and on the target". 0 when nothing is
 * outstanding (bytes = 0).
 *
 * When it cannot be measured (the subscription is not connected, or it did not catch up within
 * `probeMs`), ReplicationLagUnknownError is thrown with the bytes: unknown is never reported as a
 * number, let alone as zero.
 */
export async function measureLag(db: Database, slot: string, options: LagOptions): Promise<ReplicationLag> {
  const start = await slotPosition(db, slot);
  if (!start) throw new ReplicationNotFoundError(`The replication slot "${slot}" does not exist on the ${db.label}: the replication is not running.`);
  if (start.bytes === 0) return { seconds: 0, bytes: 0 };
  if (!start.active) {
    throw new ReplicationLagUnknownError(
      `Replication lag is unknown: nothing is connected to the slot "${slot}" on the ${db.label} (the subscription is disabled, ` +
        `failed or restarting), and ${start.bytes} bytes of WAL are not confirmed yet.`,
      start.bytes,
    );
  }
  const began = Date.now();
  const reached = await pollFor(async () => {
    const now = await confirmedUpTo(db, slot, start.currentLsn);
    if (!now) throw new ReplicationNotFoundError(`The replication slot "${slot}" on the ${db.label} was dropped while its lag was measured.`);
    return now.reached ? true : undefined;
  }, options.probeMs, options.pollMs ?? 100);
  if (!reached) {
    throw new ReplicationLagUnknownError(
      `Replication lag is more than ${options.probeMs / 1000} s: the subscriber did not confirm ${start.currentLsn} within that time ` +
        `(${start.bytes} bytes behind when measuring began).`,
      start.bytes,
    );
  }
  return { seconds: Math.round(Date.now() - began) / 1000, bytes: start.bytes };
}
