import { z } from 'zod';
import { lease, migrationId, runId } from '../shared/workflow-schemas';
import { waitForMarker, writeMarker } from '../shared/cutover/marker';
import { selectedTables } from '../shared/cutover/tables';
import { FerryError } from '../shared/errors';
import { freezeWrites, thawWrites } from '../shared/freeze/freeze';
import { parseInput } from '../shared/input';
import { undoReverse } from '../shared/replication/undo-reverse';
import { withEngine, type OpenDatabases, type StepRuntime } from '../shared/runtime';

/** `{"migrationId", "runId", "lease"}` */
export const BackOutInputSchema = z.strictObject({ migrationId, runId, lease });

export interface BackOutOutput {
  readonly target: string;
  readonly drained: string;
  readonly source: string;
  readonly clients: string;
  readonly replication: string;
}

/** Writes may have reached the target and cannot be brought back: backing out would lose them. */
export class BackOutUnsafeError extends FerryError {
  override readonly name = 'BackOutUnsafeError';
}

/**
 * How long the back-out waits for the target's freeze, and then for writes made on the target to
 * reach the source through reverse replication (a marker row). Well inside the function's 15
 * minutes, so a drain that fails is reported as BackOutUnsafeError rather than a Lambda timeout.
 * Not in the config yet (a candidate: an operator with a slow reverse path may want longer).
 */
const DRAIN_MS = 60_000;

/**
 * Undoes a cutover that did not reach `cut-over`, in the order that can lose no write and leaves
 * no side frozen for longer than needed: (1) freeze the target (normally still frozen), (2) if
 * reverse replication exists and the target was writable at some point, drain it into the source,
 * (3) thaw the source, (4) point the clients back at the source, (5) remove the reverse replication
 * and resume forward. Each part is safe to repeat, so the whole step is.
 */
export async function backOutStep(event: unknown, runtime: StepRuntime): Promise<BackOutOutput> {
  const input = parseInput(BackOutInputSchema, event);
  const migration = runtime.migration(input.migrationId);
  return withEngine(runtime, migration, async (engine, dbs) => {
    // Clients can have reached the target only after reverse replication was prepared (the
    // switch comes after it): without it, the target needs neither a freeze nor a drain.
    const reverse = await engine.reverse();
    let target = 'not needed: the clients never moved (no reverse replication)';
    let drained = 'nothing to drain: no reverse replication';
    if (reverse !== undefined) {
      const before = await runtime.store.getFreeze(input.migrationId, 'target');
      const targetNeverWritable = before !== undefined && before.status !== 'thawed';
      target = (
        await freezeWrites({
          db: dbs.target,
          store: runtime.store,
          migrationId: input.migrationId,
          side: 'target',
          config: migration.freeze,
          tables: await selectedTables(dbs.target, migration),
          runId: input.runId,
          owner: input.lease.owner,
          deadline: runtime.now() + DRAIN_MS,
          bounded: false,
          now: () => runtime.now(),
        })
      ).message;
      drained = targetNeverWritable ? 'not needed: the target was frozen throughout' : await drainBack(dbs, input.runId, runtime);
    }
    const thawed = await thawWrites({ db: dbs.source, store: runtime.store, migrationId: input.migrationId, side: 'source', now: () => runtime.now() });
    const sw = await runtime.switchFor(migration);
    const clients = await sw.pointTo('source');
    const undone = await undoReverse(engine);
    return { target, drained, source: thawed.message, clients: clients.message, replication: undone.message };
  });
}

/** Brings writes the target took during this cutover to the source, or refuses to go on. */
async function drainBack(dbs: OpenDatabases, runId: string, runtime: StepRuntime): Promise<string> {
  const markerId = `${runId}:back-out`;
  await writeMarker(dbs.target, { id: markerId, direction: 'target->source' });
  try {
    const { visibleAfterMs } = await waitForMarker(dbs.source, markerId, { deadline: runtime.now() + DRAIN_MS, now: () => runtime.now() });
    return `writes made on the target reached the source (${visibleAfterMs} ms)`;
  } catch (error) {
    throw new BackOutUnsafeError(
      `The target was writable during this cutover and reverse replication did not bring its writes to the source within ${DRAIN_MS / 1000} s ` +
        `(${(error as Error).message}). Ferry does not move the clients back, which would lose those writes: the target stays frozen and the clients on it. ` +
        `Repair reverse replication, then start the rollback workflow; or thaw the target to continue on it.`,
    );
  }
}
