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
 *   is carried like any change and makes the subscriber report at once. The position covers only
 *   tables the apply worker applies: every table of the subscription must be `ready`.
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

/** How often the apply proofs look again at the replica's position or a marker: short, since a frozen cutover waits on it; not a setting. */
const POLL_MS = 50;
/** How long the slot proof waits for a report before it writes a marker to prompt one. */
const NUDGE_AFTER_MS = 200;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Tables of the subscription on the subscriber that are not `ready`: while a table-sync worker
 * still copies or catches up a table, the apply worker skips that table's changes (the sync
 * worker applies them from its own slot), so the subscription's position says nothing about it.
 */
async function tablesNotReady(subscriber: Database, subscription: string): Promise<number> {
  const [row] = await subscriber.query<{ n: number }>(
    `select count(*)::int as n from pg_subscription_rel sr join pg_subscription s on s.oid = sr.srsubid
      where s.subname = $1 and s.subdbid = (select oid from pg_database where datname = current_database()) and sr.srsubstate <> 'r'`,
    [subscription],
  );
  return row?.n ?? 0;
}

/** `subscriber`: where the subscription named like the slot runs; its tables must all be ready. */
export function slotApplyProof(primary: Database, slot: string, subscriber?: Database): ApplyProof {
  return {
    method: 'slot',
    async waitApplied(lsn, { deadline }) {
      const started = Date.now();
      let nudged = false;
      let syncing = 0;
      for (;;) {
        const [row] = await primary.query<{ reached: boolean }>(
          `select coalesce(r.replay_lsn >= $2::pg_lsn, false) or s.confirmed_flush_lsn >= $2::pg_lsn as reached
             from pg_replication_slots s left join pg_stat_replication r on r.pid = s.active_pid
            where s.slot_name = $1`,
          [slot, lsn],
        );
        if (row === undefined) throw new ReplicaBehindError(`The replication slot "${slot}" is missing on the ${primary.label}: replication is not running, so nothing can be verified.`);
        if (row.reached) {
          syncing = subscriber ? await tablesNotReady(subscriber, slot) : 0;
          if (syncing === 0) return { waitedMs: Date.now() - started };
        }
        if (Date.now() >= deadline) {
          if (syncing > 0) {
            throw new ReplicaBehindError(
              `${syncing} table(s) of the subscription "${slot}" on the ${subscriber!.label} are still in their initial copy: their changes are applied by table-sync workers that the slot's position does not cover. They are verified once every table is ready.`,
            );
          }
          throw new ReplicaBehindError(`The replica did not confirm ${lsn} (slot "${slot}" on the ${primary.label}) within ${Date.now() - started} ms; the changes are verified once it has.`);
        }
        if (!nudged && !row.reached && Date.now() - started >= NUDGE_AFTER_MS) {
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
  return slotApplyProof(primary, direction === 'forward' ? name : reverseName(name), replica);
}
