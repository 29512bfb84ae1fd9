import { randomUUID } from 'node:crypto';
import { waitForMarker, writeMarker } from '../cutover/marker';
import { TransientError } from '../errors';
import { nativeReplicationName, type MigrationConfig } from '../migration-config';
import type { Database } from '../pg/connection';
import { reverseName } from '../replication/native/names';

/**
 * Proof that the replica has applied every change the primary committed before a WAL position:
 * the precondition of comparing a key on both sides. A lag metric is not proof; these are.
 *
 * - `slot` (native replication): the subscriber reports, through the WAL sender of its slot on the
 *   primary, the position up to which it has applied every transaction, in commit order
 *   (`pg_stat_replication.replay_lsn`: the end of the last transaction it committed, or all it
 *   received when nothing is pending), and up to which those are flushed (the slot's
 *   `confirmed_flush_lsn`, later by the subscriber's asynchronous commit). Applied is what a
 *   comparison needs; either position past `lsn` proves it. When nothing is written the
 *   subscriber reports only every few seconds, so after a short wait a marker row is written: it
 *   is carried like any change and makes the subscriber report at once.
 * - `marker` (DMS, whose own position is not exposed): a marker row written on the primary after
 *   the position was read commits after it; DMS applies transactions in commit order, so once the
 *   marker is visible on the replica, so is everything committed before the position.
 */
export interface ApplyProof {
  readonly method: 'slot' | 'marker';
  /** Resolves once the replica has applied everything the primary committed before `lsn`. */
  waitApplied(lsn: string, options: { readonly deadline: number }): Promise<{ readonly waitedMs: number }>;
}

/** The replica did not apply the position in time: nothing can be verified now; the round is tried again. */
export class ReplicaBehindError extends TransientError {
  override readonly name = 'ReplicaBehindError';
}

const POLL_MS = 50;
/** How long the slot proof waits for a report before it writes a marker to prompt one. */
const NUDGE_AFTER_MS = 200;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function slotApplyProof(primary: Database, slot: string): ApplyProof {
  return {
    method: 'slot',
    async waitApplied(lsn, { deadline }) {
      const started = Date.now();
      let nudged = false;
      for (;;) {
        const [row] = await primary.query<{ reached: boolean }>(
          `select coalesce(r.replay_lsn >= $2::pg_lsn, false) or s.confirmed_flush_lsn >= $2::pg_lsn as reached
             from pg_replication_slots s left join pg_stat_replication r on r.pid = s.active_pid
            where s.slot_name = $1`,
          [slot, lsn],
        );
        if (row === undefined) throw new ReplicaBehindError(`The replication slot "${slot}" is missing on the ${primary.label}: replication is not running, so nothing can be verified.`);
        if (row.reached) return { waitedMs: Date.now() - started };
        if (Date.now() >= deadline) {
          throw new ReplicaBehindError(`The replica did not confirm ${lsn} (slot "${slot}" on the ${primary.label}) within ${Date.now() - started} ms; the changes are verified once it has.`);
        }
        if (!nudged && Date.now() - started >= NUDGE_AFTER_MS) {
          nudged = true;
          await writeMarker(primary, { id: `verify:${randomUUID()}`, direction: 'verification' });
        }
        await sleep(POLL_MS);
      }
    },
  };
}

export function markerApplyProof(primary: Database, replica: Database): ApplyProof {
  return {
    method: 'marker',
    async waitApplied(_lsn, { deadline }) {
      const id = `verify:${randomUUID()}`;
      await writeMarker(primary, { id, direction: 'verification' });
      try {
        const { visibleAfterMs } = await waitForMarker(replica, id, { deadline, pollMs: POLL_MS });
        return { waitedMs: visibleAfterMs };
      } catch (error) {
        throw new ReplicaBehindError(`The replica did not apply a marker written after the round's position: ${(error as Error).message}`, { cause: error });
      }
    },
  };
}

/**
 * The proof for a migration's engine and direction: forward the primary is the source, reverse
 * (after cutover) the target. `method` overrides the engine's (tests run the marker proof over
 * native replication, since DMS has no local twin).
 */
export function applyProofFor(
  migration: MigrationConfig,
  direction: 'forward' | 'reverse',
  dbs: { readonly source: Database; readonly target: Database },
  method?: 'slot' | 'marker',
): ApplyProof {
  const [primary, replica] = direction === 'forward' ? [dbs.source, dbs.target] : [dbs.target, dbs.source];
  const chosen = method ?? (migration.replication.engine === 'native' ? 'slot' : 'marker');
  if (chosen === 'marker') return markerApplyProof(primary, replica);
  const name = nativeReplicationName(migration);
  return slotApplyProof(primary, direction === 'forward' ? name : reverseName(name));
}
