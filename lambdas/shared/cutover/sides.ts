import { freezeWrites, thawWrites, type FreezeOutcome, type Side, type ThawOutcome } from '../freeze/freeze';
import type { MigrationConfig } from '../migration-config';
import type { OpenDatabases, StepRuntime } from '../runtime';
import { other } from '../workflow-schemas';
import { waitForMarker, writeMarker } from './marker';
import { selectedTables } from './tables';

/**
 * What the cutover, the rollback and the back-out do to one side of a migration, each in one
 * place: freeze its writes, thaw them, prove that what it committed has reached the other side.
 */

export interface FreezeSideRequest {
  readonly side: Side;
  readonly runId: string;
  /** The lock owner the freeze is recorded under (the execution). */
  readonly owner: string;
  /** Epoch ms by which the freeze must be in place and, when bounded, end. */
  readonly deadline: number;
  /** Whether the deadline also bounds the freeze itself (later steps stop at it). */
  readonly bounded: boolean;
}

/** Freezes writes on `req.side` with the migration's freeze settings, on its selected tables, recorded in the checkpoint table. */
export async function freezeSide(runtime: StepRuntime, migration: MigrationConfig, dbs: OpenDatabases, req: FreezeSideRequest): Promise<FreezeOutcome> {
  const db = dbs[req.side];
  return freezeWrites({
    db,
    store: runtime.store,
    migrationId: migration.id,
    side: req.side,
    config: migration.freeze,
    tables: await selectedTables(db, migration),
    runId: req.runId,
    owner: req.owner,
    deadline: req.deadline,
    bounded: req.bounded,
    now: () => runtime.now(),
  });
}

/** Thaws writes on `side` from the plan recorded when it was frozen; nothing to do when it is not frozen. */
export function thawSide(runtime: StepRuntime, migration: MigrationConfig, dbs: OpenDatabases, side: Side): Promise<ThawOutcome> {
  return thawWrites({ db: dbs[side], store: runtime.store, migrationId: migration.id, side, now: () => runtime.now() });
}

export interface DrainProof {
  readonly markerId: string;
  readonly from: Side;
  /** From writing the marker until it was visible on the other side. */
  readonly visibleAfterMs: number;
}

/**
 * Writes marker `markerId` on `from` (whose writes are frozen) and waits until the other database
 * has it. Replication applies changes in commit order, so once the marker is there every write
 * `from` committed before it is there too: a proof, where a lag metric is an estimate.
 * MarkerTimeoutError at `deadline`. A repeated call writes the same id again, which is harmless.
 */
export async function proveDrained(runtime: StepRuntime, dbs: OpenDatabases, from: Side, markerId: string, deadline: number): Promise<DrainProof> {
  await writeMarker(dbs[from], { id: markerId, direction: `${from}->${other(from)}` });
  const { visibleAfterMs } = await waitForMarker(dbs[other(from)], markerId, { deadline, now: () => runtime.now() });
  return { markerId, from, visibleAfterMs };
}
