import { z } from 'zod';
import { migrationId } from '../shared/workflow-schemas';
import { parseInput } from '../shared/input';
import type { ReverseReplication } from '../shared/replication/engine';
import { undoReverse, type UndoReverseOutput } from '../shared/replication/undo-reverse';
import { withEngine, type StepRuntime } from '../shared/runtime';

/** `{"action": "prepare" | "undo", "migrationId"}` */
export const ReverseReplicationInputSchema = z.strictObject({
  action: z.enum(['prepare', 'undo'], { error: "action must be 'prepare' or 'undo'" }),
  migrationId,
});

export type ReverseReplicationOutput = ReverseReplication | UndoReverseOutput;

/**
 * `prepare`: replication from the target back to the source, starting at the target's current
 * position, with forward replication paused (the source is frozen and drained: it has nothing
 * left to send). `undo`: removes the reverse replication and resumes forward, for a cutover that
 * backs off. Both safe to repeat.
 */
export async function reverseReplicationStep(event: unknown, runtime: StepRuntime): Promise<ReverseReplicationOutput> {
  const input = parseInput(ReverseReplicationInputSchema, event);
  const migration = runtime.migration(input.migrationId);
  return withEngine(runtime, migration, async (engine) => {
    if (input.action === 'prepare') return engine.prepareReverse();
    return undoReverse(engine);
  });
}
