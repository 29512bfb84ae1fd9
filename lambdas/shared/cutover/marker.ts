import { FERRY_SCHEMA } from '../compare/table-patterns';
import { FerryError } from '../errors';
import type { Database } from '../pg/connection';
import { qualifiedName, quoteIdent, type TableName } from '../pg/identifiers';

/**
 * The cutover proves that replication has drained by writing a marker row on the frozen side and
 * waiting until it is visible on the other: replication applies changes in commit order, so once
 * the marker is there, every write committed before it is there too.
 *
 * The table lives in Ferry's own schema, which table selections never select (so comparisons
 * ignore it); the replication engines add it to what they carry, in both directions.
 */
export const MARKER_TABLE: TableName = { schema: FERRY_SCHEMA, name: 'cutover_marker' };

export interface Marker {
  /** Unique per cutover attempt and direction (the run id, say): the waiting side looks for exactly this. */
  readonly id: string;
  /** Which way it travels, for whoever reads the table later: `source->target`, say. */
  readonly direction: string;
}

/**
 * No primary key, on purpose: the table is insert-only, and a full load (DMS's, a reload, a
 * native subscription that copies it) may copy the source's rows into a target table that already
 * holds some of them, e.g. markers that came back by reverse replication; with a key that copy
 * would fail on the duplicates and stop the replication. Duplicates are harmless: the wait only
 * asks whether a row with the id exists, and a retried step may write the same id twice.
 *
 * REPLICA IDENTITY FULL, because a published table without a replica identity rejects every
 * DELETE: an operator clearing old markers would otherwise get an error instead.
 */
const CREATE_SQL = `
create schema if not exists ${quoteIdent(MARKER_TABLE.schema)};
create table if not exists ${qualifiedName(MARKER_TABLE)} (
  id text not null,
  direction text not null,
  written_at timestamptz not null default now()
);
`;

/**
 * Creates Ferry's schema and the marker table when missing; safe to call any number of times.
 * Looks first, so that once the table is there no DDL runs: CREATE ... IF NOT EXISTS still needs
 * the CREATE privilege, and ALTER TABLE takes an ACCESS EXCLUSIVE lock even to change nothing.
 */
export async function ensureMarkerTable(db: Database): Promise<void> {
  let identity = await replicaIdentity(db);
  if (identity === undefined) {
    try {
      await db.query(CREATE_SQL);
    } catch (error) {
      // Two sessions creating it at once: IF NOT EXISTS looks before inserting into the catalog,
      // so the loser fails on the catalog's unique index (23505); the table exists all the same.
      if ((error as { cause?: { code?: string } }).cause?.code !== '23505') throw error;
    }
    identity = await replicaIdentity(db);
  }
  if (identity !== 'f') await db.query(`alter table ${qualifiedName(MARKER_TABLE)} replica identity full`);
}

/** pg_class.relreplident of the marker table, undefined when it does not exist. */
async function replicaIdentity(db: Database): Promise<string | undefined> {
  const [row] = await db.query<{ identity: string }>('select relreplident::text as identity from pg_class where oid = to_regclass($1)', [
    qualifiedName(MARKER_TABLE),
  ]);
  return row?.identity;
}

export async function writeMarker(db: Database, marker: Marker): Promise<void> {
  await db.query(`insert into ${qualifiedName(MARKER_TABLE)} (id, direction) values ($1, $2)`, [marker.id, marker.direction]);
}

/** The marker did not arrive in time: replication is behind, stuck or broken. */
export class MarkerTimeoutError extends FerryError {
  override readonly name = 'MarkerTimeoutError';

  constructor(
    readonly database: string,
    readonly markerId: string,
    readonly waitedMs: number,
  ) {
    super(
      `The cutover marker "${markerId}" did not reach the ${database} within ${waitedMs} ms: replication did not deliver the ` +
        `last writes within the freeze budget, so the two databases cannot be shown to be equal. Nothing was switched. Check ` +
        `the replication's status and lag, then thaw and try the cutover again (or allow a longer freeze).`,
    );
  }
}

export interface WaitForMarkerOptions {
  /** Epoch ms after which the wait gives up with MarkerTimeoutError. */
  readonly deadline: number;
  /** @default 50 */
  readonly pollMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls `db` until a marker row with `id` is visible, and says how long that took. One last look
 * is taken at the deadline itself, so a marker arriving during the final sleep still counts.
 */
export async function waitForMarker(db: Database, id: string, options: WaitForMarkerOptions): Promise<{ visibleAfterMs: number }> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const pollMs = options.pollMs ?? 50;
  const started = now();
  for (;;) {
    const [row] = await db.query<{ found: boolean }>(`select exists (select 1 from ${qualifiedName(MARKER_TABLE)} where id = $1) as found`, [id]);
    const at = now();
    if (row!.found) return { visibleAfterMs: at - started };
    if (at >= options.deadline) throw new MarkerTimeoutError(db.label, id, at - started);
    await sleep(Math.max(0, Math.min(pollMs, options.deadline - at)));
  }
}
