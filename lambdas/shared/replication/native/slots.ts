import type { Database } from '../../pg/connection';
import { ReplicationBusyError, ReplicationStartRefusedError } from '../engine';
import { serverError } from './errors';
import { tablesyncSlotPattern } from './names';
import { pollFor } from './wait';

export interface Slot {
  readonly name: string;
  /** Database the slot decodes; slot names are unique per server, not per database. */
  readonly database: string | null;
  readonly activePid: number | null;
}

/** The replication slot of that name on the server (whatever database it belongs to). */
export async function findSlot(db: Database, name: string): Promise<Slot | undefined> {
  const [row] = await db.query<{ name: string; database: string | null; active_pid: number | null }>(
    'select slot_name::text as name, database::text as database, active_pid from pg_replication_slots where slot_name = $1',
    [name],
  );
  return row && { name: row.name, database: row.database, activePid: row.active_pid };
}

/** Slots of this database named exactly `name`, or like the table-sync slots of that subscription. */
async function ourSlots(db: Database, name: string, subscriptionOid: string | undefined): Promise<string[]> {
  const rows = await db.query<{ name: string }>(
    `select slot_name::text as name from pg_replication_slots
      where database = current_database() and (slot_name = $1 or ($2::text is not null and slot_name like $2))
      order by 1`,
    [name, subscriptionOid === undefined ? null : tablesyncSlotPattern(subscriptionOid)],
  );
  return rows.map((r) => r.name);
}

/**
 * Drops the slot `name` and, when the subscription's oid is known, the table-sync slots it may
 * have left, in the connected database. A slot still held by a WAL sender (whose subscriber has
 * gone, but which has not noticed yet) is waited for, and after `waitMs / 2` its WAL sender is
 * terminated. Returns the names dropped.
 */
export async function dropSlots(db: Database, name: string, subscriptionOid: string | undefined, waitMs: number): Promise<string[]> {
  const dropped: string[] = [];
  for (const slot of await ourSlots(db, name, subscriptionOid)) {
    if (await dropSlot(db, slot, waitMs)) dropped.push(slot);
  }
  return dropped;
}

async function dropSlot(db: Database, slot: string, waitMs: number): Promise<boolean> {
  const started = Date.now();
  let terminated = false;
  const result = await pollFor(async () => {
    const [row] = await db.query<{ pid: number | null }>(
      'select active_pid as pid from pg_replication_slots where slot_name = $1 and database = current_database()',
      [slot],
    );
    if (!row) return false;
    if (row.pid === null) {
      try {
        await db.query('select pg_drop_replication_slot($1)', [slot]);
        return true;
      } catch (error) {
        const code = serverError(error)?.code;
        if (code === '42704') return false; // dropped by someone else meanwhile
        if (code !== '55006') throw error; // 55006: taken again in between; look again
        return undefined;
      }
    }
    if (!terminated && Date.now() - started > waitMs / 2) {
      terminated = true;
      await db.query('select pg_terminate_backend($1)', [row.pid]).catch(() => undefined);
    }
    return undefined;
  }, waitMs);
  if (result === undefined) {
    throw new ReplicationBusyError(`The replication slot "${slot}" on the ${db.label} is still in use after ${waitMs} ms; try stopping again.`);
  }
  return result;
}

/**
 * Before creating a subscription: a slot of that name in this database, not in use, is left over
 * from an attempt that created the slot but died before its subscription was committed, and is
 * dropped. One in use, or in another database, belongs to something else: refused.
 */
export async function clearOrphanSlot(db: Database, name: string, currentDatabase: string): Promise<boolean> {
  const slot = await findSlot(db, name);
  if (!slot) return false;
  if (slot.database !== currentDatabase || slot.activePid !== null) {
    throw new ReplicationStartRefusedError(
      `A replication slot named "${name}" already exists on the server of the ${db.label}` +
        (slot.database !== currentDatabase ? ` for database "${slot.database}"` : ` and is in use (pid ${slot.activePid})`) +
        `; it is not this migration's. Give the migration another replicationName, or drop the slot if it is abandoned.`,
    );
  }
  await dropSlot(db, name, 1_000);
  return true;
}

/** Position of the slot: the publisher's current WAL position, and what the subscriber has confirmed. */
export interface SlotPosition {
  readonly currentLsn: string;
  readonly confirmedLsn: string;
  /** currentLsn - confirmedLsn, never negative. */
  readonly bytes: number;
  readonly active: boolean;
}

export async function slotPosition(db: Database, slot: string): Promise<SlotPosition | undefined> {
  const [row] = await db.query<{ current: string; confirmed: string; bytes: string; active: boolean }>(
    `select pg_current_wal_lsn()::text as current, confirmed_flush_lsn::text as confirmed,
            greatest(pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn), 0)::int8::text as bytes, active
       from pg_replication_slots where slot_name = $1 and database = current_database()`,
    [slot],
  );
  return row && { currentLsn: row.current, confirmedLsn: row.confirmed, bytes: Number(row.bytes), active: row.active };
}

/** Whether the subscriber has confirmed everything up to `lsn` (and whether its slot is in use). */
export async function confirmedUpTo(db: Database, slot: string, lsn: string): Promise<{ reached: boolean; active: boolean } | undefined> {
  const [row] = await db.query<{ reached: boolean; active: boolean }>(
    `select confirmed_flush_lsn >= $2::pg_lsn as reached, active
       from pg_replication_slots where slot_name = $1 and database = current_database()`,
    [slot, lsn],
  );
  return row;
}
