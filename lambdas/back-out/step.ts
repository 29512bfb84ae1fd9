import { z } from 'zod';
import { lease, migrationId, runId } from '../shared/workflow-schemas';
import { MarkerTimeoutError } from '../shared/cutover/marker';
import { freezeSide, proveDrained, thawSide } from '../shared/cutover/sides';
import { parseInput } from '../shared/input';
import type { MigrationConfig } from '../shared/migration-config';
import { undoReverse } from '../shared/replication/undo-reverse';
import { withEngine, type OpenDatabases, type StepRuntime } from '../shared/runtime';
import { BackOutUnsafeError } from './errors';

/** `{"migrationId", "runId", "lease"}` */
export const BackOutInputSchema = z.strictObject({ migrationId, runId, lease });

export interface BackOutOutput {
  readonly target: string;
  readonly drained: string;
  readonly source: string;
  readonly clients: string;
  readonly replication: string;
}

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
        await freezeSide(runtime, migration, dbs, {
          side: 'target',
          runId: input.runId,
          owner: input.lease.owner,
          deadline: runtime.now() + migration.thresholds.backOutDrainSeconds * 1000,
          bounded: false,
        })
      ).message;
      drained = targetNeverWritable ? 'not needed: the target was frozen throughout' : await drainBack(runtime, migration, dbs, input.runId);
    }
    const thawed = await thawSide(runtime, migration, dbs, 'source');
    const sw = await runtime.switchFor(migration);
    const clients = await sw.pointTo('source');
    const undone = await undoReverse(engine);
    return { target, drained, source: thawed.message, clients: clients.message, replication: undone.message };
  });
}

/** Brings writes the target took during this cutover to the source, or refuses to go on. */
async function drainBack(runtime: StepRuntime, migration: MigrationConfig, dbs: OpenDatabases, runId: string): Promise<string> {
  const seconds = migration.thresholds.backOutDrainSeconds;
  try {
    const { visibleAfterMs } = await proveDrained(runtime, dbs, 'target', `${runId}:back-out`, runtime.now() + seconds * 1000);
    return `writes made on the target reached the source (${visibleAfterMs} ms)`;
  } catch (error) {
    // A database that cannot be reached is retried by the workflow; only a marker that did not arrive means writes are stuck.
    if (!(error instanceof MarkerTimeoutError)) throw error;
    throw new BackOutUnsafeError(
      `The target was writable during this cutover and reverse replication did not bring its writes to the source within ${seconds} s ` +
        `(thresholds.backOutDrainSeconds; ${(error as Error).message}). Ferry does not move the clients back, which would lose those writes: the target stays frozen and the clients on it. ` +
        `Repair reverse replication, then start the rollback workflow; or thaw the target to continue on it.`,
    );
  }
}
