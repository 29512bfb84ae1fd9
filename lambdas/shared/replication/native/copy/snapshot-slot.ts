import pg from 'pg';
import { DatabaseConnectionError, isConnectionFailure, type DatabaseRef } from '../../../pg/connection';
import { quoteIdent } from '../../../pg/identifiers';
import { serverError } from '../errors';
import { assertReplicationName } from '../names';
import { SnapshotSlotRefusedError } from './errors';

/**
 * A logical replication slot created together with an exported snapshot: the snapshot shows the
 * database exactly as of the slot's consistent point, and the slot streams every change committed
 * after it. Copying under the snapshot, then subscribing at the slot (`create_slot = false,
 * copy_data = false`), therefore applies each change exactly once, as PostgreSQL's own table sync
 * does per table, and as pgcopydb does for the whole database.
 *
 * The snapshot lives as long as the exporting session stays open and idle: any other command on
 * it, or its end, makes the snapshot unimportable (the slot stays). That session is a WAL sender
 * sitting "idle in transaction", so `idle_in_transaction_session_timeout` (and
 * `idle_session_timeout`) would end it: both are switched off for it at connection start.
 */
export interface SnapshotSlot {
  readonly slotName: string;
  /** LSN from which the slot streams changes: those committed after the snapshot. */
  readonly consistentPoint: string;
  /** For `SET TRANSACTION SNAPSHOT`, valid until `close()`. */
  readonly snapshotName: string;
  readonly outputPlugin: string;
  /** Ends the exporting session: the snapshot can no longer be imported, the slot remains. Safe to repeat. */
  close(): Promise<void>;
}

/** application_name of the exporting session, as pg_stat_activity and pg_stat_replication show it. */
export const SNAPSHOT_APPLICATION = 'ferry-copy-snapshot';

const KEEP_SESSION_OPEN = '-c idle_in_transaction_session_timeout=0 -c idle_session_timeout=0';

/**
 * Creates the slot `slotName` (pgoutput, not temporary) on a replication connection to the
 * source, with an exported snapshot. Needs the REPLICATION attribute (rds_replication on RDS)
 * and `wal_level = logical`. Like CREATE SUBSCRIPTION, it waits until every transaction running
 * on the source at that moment has ended. PostgreSQL 15+ takes `(SNAPSHOT 'export')`, 14 the
 * older `EXPORT_SNAPSHOT`.
 */
export async function createSnapshotSlot(source: DatabaseRef, slotName: string): Promise<SnapshotSlot> {
  assertReplicationName(slotName);
  const config = {
    ...source.config,
    replication: 'database',
    application_name: SNAPSHOT_APPLICATION,
    options: [source.config.options, KEEP_SESSION_OPEN].filter(Boolean).join(' '),
    keepAlive: true,
  } as pg.ClientConfig;
  const client = new pg.Client(config);
  // The session idles for the whole copy; losing it must not crash the process. Importing the
  // snapshot then fails, and that is where the loss is reported (SnapshotLostError).
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw refused(source.label, slotName, error) ?? new DatabaseConnectionError(source.label, error);
  }
  try {
    const { rows: [version] } = await client.query<{ server_version_num: string }>('SHOW server_version_num');
    const exportClause = Number(version!.server_version_num) >= 150000 ? "(SNAPSHOT 'export')" : 'EXPORT_SNAPSHOT';
    const { rows: [created] } = await client.query<{ slot_name: string; consistent_point: string; snapshot_name: string; output_plugin: string }>(
      `CREATE_REPLICATION_SLOT ${quoteIdent(slotName)} LOGICAL pgoutput ${exportClause}`,
    );
    let closing: Promise<void> | undefined;
    return {
      slotName: created!.slot_name,
      consistentPoint: created!.consistent_point,
      snapshotName: created!.snapshot_name,
      outputPlugin: created!.output_plugin,
      close: () => (closing ??= client.end().catch(() => undefined)),
    };
  } catch (error) {
    await client.end().catch(() => undefined);
    if (isConnectionFailure(error)) throw new DatabaseConnectionError(source.label, error);
    throw refused(source.label, slotName, error) ?? error;
  }
}

/** A refusal the operator can fix (privilege, name taken, no free slot, wal_level), or undefined. */
function refused(label: string, slotName: string, error: unknown): SnapshotSlotRefusedError | undefined {
  const server = serverError(error);
  if (!server || !['42501', '28000', '42710', '53400', '55000'].includes(server.code ?? '')) return undefined;
  return new SnapshotSlotRefusedError(label, slotName, server.code, server.message);
}
