import { z } from 'zod';
import { migrationId } from '../shared/cutover/inputs';
import { parseInput } from '../shared/input';
import { withEngine, type StepRuntime } from '../shared/runtime';

/** `{"migrationId"}` */
export const StopReplicationInputSchema = z.strictObject({ migrationId });

export interface StopReplicationOutput {
  readonly reverse: string;
  readonly forward: string;
}

/**
 * Stops replication in both directions and removes what it created on the databases (slots hold
 * WAL on the server they read from). Safe to repeat; stopping what is not running succeeds.
 */
export async function stopReplicationStep(event: unknown, runtime: StepRuntime): Promise<StopReplicationOutput> {
  const input = parseInput(StopReplicationInputSchema, event);
  const migration = runtime.migration(input.migrationId);
  return withEngine(runtime, migration, async (engine) => {
    const reverse = await engine.reverse();
    const reverseOutcome = reverse === undefined ? 'no reverse replication' : (await reverse.stop()).message;
    return { reverse: reverseOutcome, forward: (await engine.stop()).message };
  });
}
