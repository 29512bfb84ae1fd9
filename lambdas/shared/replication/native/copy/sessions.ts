import pg from 'pg';
import { FerryError } from '../../../errors';
import {
  DatabaseConnectionError,
  DatabaseQueryError,
  isConnectionFailure,
  NORMALIZED_SESSION_SETTINGS,
  READER_SETTINGS,
  type DatabaseRef,
} from '../../../pg/connection';
import { serverError } from '../errors';
import { ReplicaRoleRefusedError, SnapshotLostError } from './errors';

/**
 * The sessions of the copy workers: each worker has one on the source, inside the exported
 * snapshot, and one on the target. Both sides use the normalized session settings, so the
 * text the source writes (dates, intervals, floats, bytea) is text the target reads back to the
 * same values; no timeouts that a long COPY or a worker waiting for its next unit could trip.
 */

/** application_name of every worker session, as pg_stat_activity shows it. */
export const COPY_APPLICATION = 'ferry-copy';

const COMMON_SETTINGS: Readonly<Record<string, string>> = {
  ...NORMALIZED_SESSION_SETTINGS,
  statement_timeout: '0',
  idle_in_transaction_session_timeout: '0',
};

/**
 * A new client, put into `opened` before it connects, so that whoever owns that list ends it
 * even if connecting fails halfway. Errors of an idle client are reported by its next query.
 */
async function connect(ref: DatabaseRef, settings: Readonly<Record<string, string>>, opened: pg.Client[]): Promise<pg.Client> {
  const client = new pg.Client({ ...ref.config, application_name: COPY_APPLICATION, keepAlive: true });
  client.on('error', () => undefined);
  opened.push(client);
  try {
    await client.connect();
    const names = Object.keys(settings);
    await client.query('select set_config(s.name, s.value, false) from unnest($1::text[], $2::text[]) as s(name, value)', [names, names.map((n) => settings[n])]);
    return client;
  } catch (error) {
    throw sessionError(ref.label, error);
  }
}

/**
 * A source session reading in the exported snapshot: REPEATABLE READ, READ ONLY, then
 * SET TRANSACTION SNAPSHOT before any query, so every COPY of this worker, and of every other
 * worker importing the same name, sees the database as of the slot's consistent point.
 */
export async function openSourceSession(source: DatabaseRef, snapshot: string, opened: pg.Client[]): Promise<pg.Client> {
  const client = await connect(source, { ...COMMON_SETTINGS, ...READER_SETTINGS }, opened);
  try {
    await client.query('begin isolation level repeatable read read only');
    await client.query(`set transaction snapshot ${pg.escapeLiteral(snapshot)}`);
    return client;
  } catch (error) {
    // 42704: no snapshot of that name (its exporting session ended); 22023 on older servers.
    const code = serverError(error)?.code;
    if (code === '42704' || code === '22023') throw new SnapshotLostError(source.label, snapshot, error);
    throw sessionError(source.label, error);
  }
}

/**
 * A target session with `session_replication_role = replica`, as PostgreSQL's table sync and
 * apply workers run: no ordinary triggers and no foreign-key checks (those are triggers), so
 * tables load in any order and nothing is done twice by a trigger the source already ran. CHECK,
 * NOT NULL and unique constraints still apply. The setting needs superuser or a grant.
 */
export async function openTargetSession(target: DatabaseRef, opened: pg.Client[]): Promise<pg.Client> {
  const client = await connect(target, COMMON_SETTINGS, opened);
  try {
    await client.query(`select set_config('session_replication_role', 'replica', false)`);
    return client;
  } catch (error) {
    const server = serverError(error);
    if (server?.code === '42501') throw new ReplicaRoleRefusedError(target.label, server.message);
    throw sessionError(target.label, error);
  }
}

/**
 * Ends a session. A client with a COPY still running has its socket destroyed at once (pg does
 * that for an active query): the server then rolls the transaction back as soon as it notices.
 */
export async function endSession(client: pg.Client): Promise<void> {
  await client.end().catch(() => undefined);
}

/** Driver and server errors named after the database, as `Database` does; ours pass as they are. */
export function sessionError(label: string, error: unknown): unknown {
  if (error instanceof FerryError) return error;
  if (isConnectionFailure(error)) return new DatabaseConnectionError(label, error);
  if (error instanceof pg.DatabaseError) return new DatabaseQueryError(label, error);
  return error;
}
