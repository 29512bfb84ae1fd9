import { z } from 'zod';
import { migrationId } from '../shared/workflow-schemas';
import { parseInput } from '../shared/input';
import { withEngine, type StepRuntime } from '../shared/runtime';
import { dropCapture } from '../shared/verification/capture';
import { WORKFLOW_LEASE_WAIT_MS, withVerificationLease } from '../shared/verification/lease';

/** `{"migrationId"}`; `owner` (the execution) holds the verification lease while the capture is dropped. */
export const StopReplicationInputSchema = z.strictObject({ migrationId, owner: z.string().min(1).default('stop-replication') });

export interface StopReplicationOutput {
  readonly reverse: string;
  readonly forward: string;
  readonly capture: string;
}


/**
 * Stops replication in both directions and removes what it created on the databases, change
 * capture's slots included (slots hold WAL on the server they read from): the migration is
 * over (aborted or rolled back). Safe to repeat; stopping what is not running succeeds.
 */
export async function stopReplicationStep(event: unknown, runtime: StepRuntime): Promise<StopReplicationOutput> {
  const input = parseInput(StopReplicationInputSchema, event);
  const migration = runtime.migration(input.migrationId);
  return withEngine(runtime, migration, async (engine, dbs) => {
    const reverse = await engine.reverse();
    const reverseOutcome = reverse === undefined ? 'no reverse replication' : (await reverse.stop()).message;
    const forward = (await engine.stop()).message;
    const dropped = await withVerificationLease(runtime.store, migration.id, { owner: input.owner, leaseMs: 60_000, waitMs: WORKFLOW_LEASE_WAIT_MS }, (lease) =>
      dropCapture({ migration, ...dbs, store: runtime.store, lease, now: runtime.now }, 'replication stopped: the migration was aborted or rolled back'),
    );
    const capture = dropped!.length === 0 ? 'no change-capture slot left' : `dropped change-capture slot(s) ${dropped!.join(', ')}`;
    return { reverse: reverseOutcome, forward, capture };
  });
}
