import { FerryError, TransientError } from '../../../errors';

/**
 * Named errors of the parallel copy. None of them is resumable: the exported snapshot the copy
 * reads is gone once its connection closes, so a copy that failed is started again from nothing
 * (`discardPartialCopy`, drop the slot, create a new one). A TransientError here means only that
 * starting again that way may succeed; retrying the same call on the half-filled tables is
 * refused by `assertEmpty`.
 */

/** Some target tables already hold rows: copying into them would duplicate or mix data. */
export class CopyTargetNotEmptyError extends FerryError {
  override readonly name = 'CopyTargetNotEmptyError';

  constructor(
    readonly database: string,
    readonly tables: readonly string[],
  ) {
    super(
      `The parallel copy refuses to write into tables of the ${database} that already hold rows: ${tables.join(', ')}. ` +
        `It only fills empty tables (and may empty only those again after a failure). Empty them yourself if their rows ` +
        `are not needed, or leave them out of the copy.`,
    );
  }
}

/** Some tables to copy do not exist (as ordinary or partitioned tables) in that database. */
export class CopyTableMissingError extends FerryError {
  override readonly name = 'CopyTableMissingError';

  constructor(
    readonly database: string,
    readonly tables: readonly string[],
  ) {
    super(`The ${database} has no table ${tables.join(', ')} to copy; create the schema first, or leave them out of the copy.`);
  }
}

/** CREATE_REPLICATION_SLOT was refused: privilege, name taken, no free slot, or wal_level. */
export class SnapshotSlotRefusedError extends FerryError {
  override readonly name = 'SnapshotSlotRefusedError';

  constructor(
    readonly database: string,
    readonly slotName: string,
    readonly code: string | undefined,
    serverMessage: string,
  ) {
    super(`Creating the replication slot "${slotName}" on the ${database} was refused: ${SLOT_HINTS[code ?? ''] ?? 'see the server\'s message'}. PostgreSQL said: ${serverMessage}`);
  }
}

const SLOT_HINTS: Record<string, string> = {
  '42501': 'the user needs the REPLICATION attribute (rds_replication on RDS) and a pg_hba.conf entry allowing replication connections',
  '28000': 'pg_hba.conf has no entry allowing this user a replication connection to the database',
  '42710': 'a slot of that name exists already (left by an earlier attempt: drop it, or use another name)',
  '53400': 'every replication slot is in use (raise max_replication_slots, or drop abandoned slots)',
  '55000': 'logical decoding needs wal_level = logical (rds.logical_replication = 1 on RDS), which needs a restart',
};

/** The target role may not set session_replication_role, which the copy needs. */
export class ReplicaRoleRefusedError extends FerryError {
  override readonly name = 'ReplicaRoleRefusedError';

  constructor(
    readonly database: string,
    serverMessage: string,
  ) {
    super(
      `The ${database} refused "SET session_replication_role = replica" for Ferry's user. The parallel copy loads tables in any ` +
        `order and must not fire triggers or foreign-key checks, as PostgreSQL's own table sync does not: the user must be a ` +
        `superuser, be granted it (PostgreSQL 15+: GRANT SET ON PARAMETER session_replication_role TO <user>), or on RDS be a ` +
        `member of rds_superuser. PostgreSQL said: ${serverMessage}`,
    );
  }
}

/** A worker could not import the exported snapshot: the exporting connection ended too early. */
export class SnapshotLostError extends TransientError {
  override readonly name = 'SnapshotLostError';

  constructor(
    readonly database: string,
    readonly snapshot: string,
    cause: unknown,
  ) {
    super(
      `The snapshot "${snapshot}" exported on the ${database} can no longer be imported: its replication connection ended ` +
        `(dropped, or closed by idle_in_transaction_session_timeout) before every copy worker had it. Drop the slot and start the copy again.`,
      { cause },
    );
  }
}

/** Where a failed unit was: `public.orders (range 2 of 4)`. */
export interface FailedUnit {
  readonly table: string;
  readonly part: number;
  readonly parts: number;
}

const unitText = (unit: FailedUnit) => `${unit.table} (range ${unit.part + 1} of ${unit.parts})`;

/** A unit's copy was refused by a database (a row the target rejects, a missing column, a privilege). */
export class TableCopyFailedError extends FerryError {
  override readonly name = 'TableCopyFailedError';

  constructor(
    readonly unit: FailedUnit,
    readonly database: string,
    cause: unknown,
  ) {
    super(
      `Copying ${unitText(unit)} failed on the ${database}: ${cause instanceof Error ? cause.message : String(cause)}. Every ` +
        `worker was stopped; tables are partly filled. Empty them (discardPartialCopy), drop the slot, fix the cause, start again.`,
      { cause },
    );
  }
}

/** A connection of a worker was lost during a unit: nothing to fix but the network, yet not resumable. */
export class CopyConnectionLostError extends TransientError {
  override readonly name = 'CopyConnectionLostError';

  constructor(
    readonly unit: FailedUnit,
    readonly database: string,
    cause: unknown,
  ) {
    super(
      `The connection to the ${database} was lost while copying ${unitText(unit)}: ${cause instanceof Error ? cause.message : String(cause)}. ` +
        `The copy cannot resume (its snapshot is gone): empty the tables (discardPartialCopy), drop the slot, start again.`,
      { cause },
    );
  }
}

/** The caller's abort signal fired: every worker was stopped. */
export class CopyAbortedError extends FerryError {
  override readonly name = 'CopyAbortedError';

  constructor(reason: unknown) {
    super(`The parallel copy was aborted (${reason instanceof Error ? reason.message : String(reason)}); tables are partly filled: empty them with discardPartialCopy and drop the slot.`);
  }
}
