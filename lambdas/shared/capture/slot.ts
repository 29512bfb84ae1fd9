import { FerryError, TransientError } from '../errors';
import type { Database } from '../pg/connection';

/**
 * One capture slot through PostgreSQL's SQL interface to logical decoding: a normal session
 * creates, reads (`pg_logical_slot_peek_changes`), advances and drops it, so no WAL sender and no
 * replication connection is needed, and a Lambda invocation can read up to a position and stop.
 * Reading peeks and never consumes: the slot moves only when `advance` is called after the
 * round's result is stored, so a crash in between re-reads the same changes (at-least-once).
 */

export const CAPTURE_PLUGIN = 'test_decoding';

/** Decoding options: no transaction ids (nothing uses them), and no BEGIN/COMMIT for transactions that changed nothing. */
const DECODING_OPTIONS = `'include-xids', '0', 'skip-empty-xacts', '1'`;

export interface SlotInfo {
  readonly name: string;
  /** The slot's plugin and database: a slot of that name that is not ours is never touched. */
  readonly plugin: string | null;
  readonly database: string | null;
  readonly currentDatabase: string;
  readonly confirmedLsn: string | null;
  readonly restartLsn: string | null;
  /** `reserved`, `extended`, `unreserved` or `lost` (PostgreSQL 13+); lost means its WAL is gone. */
  readonly walStatus: string | null;
  /** WAL kept for the slot: the server's current position minus its restart_lsn. */
  readonly retainedBytes: number;
  readonly activePid: number | null;
}

/** The slot is not there, or belongs to something else: capture cannot go on with it. */
export class CaptureSlotMissingError extends FerryError {
  override readonly name = 'CaptureSlotMissingError';
}

/** The slot is in use by another session right now (another round, or an operator): try again soon. */
export class CaptureSlotBusyError extends TransientError {
  override readonly name = 'CaptureSlotBusyError';
}

export async function slotInfo(db: Database, name: string): Promise<SlotInfo | undefined> {
  const [row] = await db.query<{
    plugin: string | null;
    database: string | null;
    current: string;
    confirmed: string | null;
    restart: string | null;
    wal_status: string | null;
    retained: string | null;
    active_pid: number | null;
  }>(
    `select plugin::text, database::text, current_database()::text as current, confirmed_flush_lsn::text as confirmed,
            restart_lsn::text as restart, wal_status, active_pid,
            greatest(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn), 0)::int8::text as retained
       from pg_replication_slots where slot_name = $1`,
    [name],
  );
  if (!row) return undefined;
  return {
    name,
    plugin: row.plugin,
    database: row.database,
    currentDatabase: row.current,
    confirmedLsn: row.confirmed,
    restartLsn: row.restart,
    walStatus: row.wal_status,
    retainedBytes: Number(row.retained ?? 0),
    activePid: row.active_pid,
  };
}

/** Ours: a test_decoding slot of this database. */
export function isCaptureSlot(info: SlotInfo): boolean {
  return info.plugin === CAPTURE_PLUGIN && info.database === info.currentDatabase;
}

/**
 * Creates the slot and returns its consistent point. PostgreSQL waits for transactions running at
 * that moment to finish first, so a long transaction delays this (preflight reports them). A slot
 * of that name that is ours is dropped first: a new capture starts from now, never from an old one.
 */
export async function createSlot(db: Database, name: string): Promise<string> {
  const existing = await slotInfo(db, name);
  if (existing) {
    if (!isCaptureSlot(existing)) {
      throw new CaptureSlotMissingError(
        `A replication slot named "${name}" exists on the ${db.label} but is not a ${CAPTURE_PLUGIN} slot of this database; ` +
          'it is not Ferry\'s change capture. Drop it if it is abandoned (SELECT pg_drop_replication_slot(...)), then start the migrate workflow again.',
      );
    }
    await dropSlot(db, name);
  }
  const [row] = await db.query<{ lsn: string }>(`select lsn::text from pg_create_logical_replication_slot($1, '${CAPTURE_PLUGIN}')`, [name]);
  return row!.lsn;
}

/** Drops the slot if it exists and is ours; true when one was dropped. */
export async function dropSlot(db: Database, name: string): Promise<boolean> {
  const info = await slotInfo(db, name);
  if (!info || !isCaptureSlot(info)) return false;
  if (info.activePid !== null) {
    // A round reading it right now: end that session (the round fails and the capture is gone anyway).
    await db.query('select pg_terminate_backend($1)', [info.activePid]);
  }
  for (let attempt = 0; ; attempt++) {
    try {
      await db.query('select pg_drop_replication_slot($1)', [name]);
      return true;
    } catch (error) {
      const code = (error as { cause?: { code?: string } }).cause?.code;
      if (code === '42704') return false; // gone meanwhile
      if (code !== '55006' || attempt >= 20) throw error; // 55006: still active for a moment
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export interface ChangeRow {
  /** For a COMMIT: the end of its commit record, where the slot may advance to. */
  readonly lsn: string;
  readonly data: string;
}

/**
 * The changes committed after the slot's confirmed position up to `uptoLsn`, at most about
 * `maxChanges` rows (PostgreSQL stops at the first transaction end past that count). The result
 * says whether decoding stopped at the cap, and where it got to: `uptoLsn` itself, or the last
 * COMMIT read.
 */
export async function peekChanges(db: Database, name: string, uptoLsn: string, maxChanges: number): Promise<{ rows: ChangeRow[]; reached: string; capped: boolean }> {
  let rows: ChangeRow[];
  try {
    rows = await db.query<ChangeRow>(`select lsn::text, data from pg_logical_slot_peek_changes($1, $2::pg_lsn, $3, ${DECODING_OPTIONS})`, [name, uptoLsn, maxChanges]);
  } catch (error) {
    throw slotError(db, name, error);
  }
  const changes = rows.filter((r) => r.data.startsWith('table ')).length;
  if (changes < maxChanges) return { rows, reached: uptoLsn, capped: false };
  const lastCommit = [...rows].reverse().find((r) => r.data === 'COMMIT' || r.data.startsWith('COMMIT '));
  return { rows, reached: lastCommit?.lsn ?? uptoLsn, capped: lastCommit !== undefined };
}

/** Moves the slot's confirmed position to `lsn` (never backwards: a position behind it is a no-op). */
export async function advanceSlot(db: Database, name: string, lsn: string): Promise<void> {
  try {
    await db.query(
      `select pg_replication_slot_advance($1, $2::pg_lsn) from pg_replication_slots
        where slot_name = $1 and confirmed_flush_lsn < $2::pg_lsn`,
      [name, lsn],
    );
  } catch (error) {
    throw slotError(db, name, error);
  }
}

export async function currentLsn(db: Database): Promise<string> {
  const [row] = await db.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn');
  return row!.lsn;
}

/**
 * The WAL position after flushing everything committed so far. Decoding reads flushed WAL only,
 * and pg_current_wal_lsn() is the write position: an asynchronous commit (a subscription's apply
 * worker makes them, `synchronous_commit = off`) can be visible and not yet there. A transaction
 * that writes WAL and commits under `synchronous_commit = on` flushes up to its commit record, and
 * with it every commit before; a transactional logical message is the smallest such write (one
 * record; decoding shows it as a `message:` line, which the change parser skips). An id alone
 * (txid_current()) writes nothing, and PostgreSQL commits such a transaction without a flush.
 */
export async function flushedLsn(db: Database): Promise<string> {
  return db.withClient(async (client) => {
    await client.query("begin; set local synchronous_commit = on; select pg_logical_emit_message(true, 'ferry', 'flush'); commit");
    const { rows } = await client.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn');
    return rows[0]!.lsn;
  });
}

function slotError(db: Database, name: string, error: unknown): unknown {
  const code = (error as { cause?: { code?: string } }).cause?.code;
  if (code === '42704') {
    return new CaptureSlotMissingError(`The change-capture slot "${name}" no longer exists on the ${db.label} (dropped, or lost its WAL).`, { cause: error });
  }
  if (code === '55006') return new CaptureSlotBusyError(`The change-capture slot "${name}" on the ${db.label} is in use by another session; the round is tried again.`, { cause: error });
  if (code === '55000' && /invalidated|wal.*removed|has been removed/i.test((error as Error).message)) {
    return new CaptureSlotMissingError(`The change-capture slot "${name}" on the ${db.label} lost its WAL (max_slot_wal_keep_size): it can no longer be read.`, { cause: error });
  }
  return error;
}
