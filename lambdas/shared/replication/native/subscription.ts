import pg from 'pg';
import { DatabaseQueryError, type Database } from '../../pg/connection';
import { quoteIdent } from '../../pg/identifiers';
import { ReplicationBusyError, ReplicationStartRefusedError } from '../engine';
import { conninfo, type ConnectionInfo } from './conninfo';
import { isPermissionDenied, isPublisherConnectionFailure, redact, serverError } from './errors';
import { supports } from './server';
import { pollFor } from './wait';

/**
 * The comment Ferry puts on a subscription it paused on purpose (prepareReverse), so that status
 * can tell that pause from a subscription PostgreSQL disabled after an error.
 */
export const PAUSED_FOR_REVERSE = 'ferry: paused for reverse replication';

export interface Subscription {
  readonly oid: string;
  readonly enabled: boolean;
  /** NULL after `SET (slot_name = NONE)`: the subscription no longer owns a slot. */
  readonly slotName: string | null;
  readonly comment: string | null;
}

/**
 * The subscription of that name in the connected database. Only columns readable by everyone:
 * `subconninfo` (it holds the password) is readable by superusers alone.
 */
export async function findSubscription(db: Database, name: string): Promise<Subscription | undefined> {
  const [row] = await db.query<{ oid: string; enabled: boolean; slot: string | null; comment: string | null }>(
    `select s.oid::text as oid, s.subenabled as enabled, s.subslotname::text as slot,
            obj_description(s.oid, 'pg_subscription') as comment
       from pg_subscription s
      where s.subname = $1 and s.subdbid = (select oid from pg_database where datname = current_database())`,
    [name],
  );
  return row && { oid: row.oid, enabled: row.enabled, slotName: row.slot, comment: row.comment };
}

export interface CreateSubscriptionOptions {
  /** Subscription, publication and slot name (the same for all three). */
  readonly name: string;
  /** How the subscriber's server reaches the publisher. Holds the password. */
  readonly publisher: ConnectionInfo;
  /** Copy the tables' existing rows first (forward), or only changes from now on (reverse). */
  readonly copyData: boolean;
  /**
   * Attach to the slot of that name, which exists already (the parallel copy created it with its
   * snapshot), instead of creating one. @default false
   */
  readonly existingSlot?: boolean;
  /** Only changes made by the publisher's own clients, not ones replicated into it (PostgreSQL 16+ both sides). */
  readonly originNone: boolean;
  readonly subscriberVersion: number;
}

/**
 * CREATE SUBSCRIPTION, which also creates the slot on the publisher. It cannot run inside a
 * transaction block (it is a single statement here, so it runs in its own), and creating the slot
 * waits until every transaction running on the publisher at that moment has ended: a long
 * transaction on the publisher makes this statement wait as long.
 */
export async function createSubscription(db: Database, options: CreateSubscriptionOptions): Promise<void> {
  const settings = [
    `copy_data = ${options.copyData}`,
    `create_slot = ${!options.existingSlot}`,
    `slot_name = ${pg.escapeLiteral(options.name)}`,
    'enabled = true',
    // Large transactions are sent while they run instead of after their commit: lower lag after
    // big writes, and no spilling of them to disk on the publisher.
    'streaming = on',
  ];
  // Stop at the first error instead of retrying it forever, so status() can report it.
  if (supports.disableOnError(options.subscriberVersion)) settings.push('disable_on_error = true');
  if (options.originNone) settings.push('origin = none');
  const connection = conninfo(options.publisher);
  const sql =
    `create subscription ${quoteIdent(options.name)} connection ${pg.escapeLiteral(connection)} ` +
    `publication ${quoteIdent(options.name)} with (${settings.join(', ')})`;
  try {
    await db.withClient(async (client) => {
      // A failed statement is written to the server log with its text (log_min_error_statement),
      // and this one holds the password. Raising the level needs superuser; without it the
      // statement runs anyway.
      const quiet = await client.query('set log_min_error_statement = panic').then(
        () => true,
        () => false,
      );
      try {
        await client.query(sql);
      } finally {
        if (quiet) await client.query('reset log_min_error_statement');
      }
    });
  } catch (error) {
    throw explainCreateError(db, options, error);
  }
}

/**
 * The statement held the password, so whatever comes back is redacted, and the original error
 * is not kept as the cause (loggers print causes).
 */
function explainCreateError(db: Database, options: CreateSubscriptionOptions, error: unknown): unknown {
  const server = serverError(error);
  if (!server) return error;
  const said = redact(server.message, options.publisher.password);
  const publisher = `${options.publisher.host}:${options.publisher.port}/${options.publisher.database}`;
  if (isPermissionDenied(error)) {
    return new ReplicationStartRefusedError(
      `Creating the subscription "${options.name}" on the ${db.label} was refused: creating a subscription needs superuser, or ` +
        `(PostgreSQL 16+) membership in pg_create_subscription and CREATE on the database (on RDS: rds_superuser). PostgreSQL said: ${said}`,
    );
  }
  if (isPublisherConnectionFailure(error)) {
    return new ReplicationStartRefusedError(
      `The server of the ${db.label} could not open the replication connection to ${publisher} as "${options.publisher.user}": check ` +
        `the host and port as that server sees them, security groups and pg_hba.conf, sslmode, the password, and that the user may ` +
        `replicate (REPLICATION attribute; rds_replication on RDS). PostgreSQL said: ${said}`,
    );
  }
  const redacted = new pg.DatabaseError(said, 0, 'error');
  redacted.code = server.code;
  return new DatabaseQueryError(db.label, redacted);
}

/**
 * Enables or disables the subscription, and sets or clears the pause mark in the same
 * transaction, so a crash never leaves one without the other.
 */
export async function setEnabled(db: Database, name: string, enabled: boolean, comment: string | null): Promise<void> {
  await db.withClient(async (client) => {
    await client.query('begin');
    try {
      await client.query(`alter subscription ${quoteIdent(name)} ${enabled ? 'enable' : 'disable'}`);
      await client.query(`comment on subscription ${quoteIdent(name)} is ${comment === null ? 'null' : pg.escapeLiteral(comment)}`);
      await client.query('commit');
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    }
  });
}

/**
 * Waits until no worker of the subscription runs (after DISABLE they stop at their next
 * transaction boundary): from then on, nothing more is applied by it.
 */
export async function waitForWorkersToExit(db: Database, oid: string, timeoutMs: number): Promise<void> {
  const gone = await pollFor(async () => {
    const [row] = await db.query<{ n: number }>(
      'select count(*)::int as n from pg_stat_subscription where subid = $1::oid and pid is not null',
      [oid],
    );
    return row!.n === 0 ? true : undefined;
    // Workers exit within milliseconds of the DISABLE; this runs while writes are frozen, where
    // a coarse poll would add its whole interval to the cutover.
  }, timeoutMs, 10);
  if (!gone) {
    throw new ReplicationBusyError(`The workers of the subscription (oid ${oid}) on the ${db.label} did not stop within ${timeoutMs} ms after it was disabled; try again.`);
  }
}

/**
 * Drops the subscription. DROP SUBSCRIPTION connects to the publisher to drop the slot there;
 * when the subscriber's server cannot reach the publisher (or the slot is gone already), the
 * subscription is detached from its slot first (DISABLE, SET slot_name = NONE) and dropped
 * locally: `slotLeftBehind` then says the caller must drop the slot on the publisher itself.
 */
export async function dropSubscription(db: Database, name: string): Promise<{ slotLeftBehind: boolean }> {
  const ident = quoteIdent(name);
  try {
    await db.query(`drop subscription if exists ${ident}`);
    return { slotLeftBehind: false };
  } catch (error) {
    if (!isPublisherConnectionFailure(error)) throw error;
  }
  // Three statements, each safe to repeat: a crash between them leaves a subscription that the
  // next stop() drops the same way.
  const current = await findSubscription(db, name);
  if (current?.enabled) await db.query(`alter subscription ${ident} disable`);
  if (current?.slotName) await db.query(`alter subscription ${ident} set (slot_name = none)`);
  await db.query(`drop subscription if exists ${ident}`);
  return { slotLeftBehind: true };
}
