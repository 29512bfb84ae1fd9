import { z } from 'zod';
import { migrationId } from '../shared/cutover/inputs';
import { parseInput } from '../shared/input';
import type { ReplicationEngine, ReverseReplication } from '../shared/replication/engine';
import { withEngine, type StepRuntime } from '../shared/runtime';

/** `{"action": "prepare" | "undo", "migrationId"}` */
export const ReverseReplicationInputSchema = z.strictObject({
  action: z.enum(['prepare', 'undo'], { error: "action must be 'prepare' or 'undo'" }),
  migrationId,
});

export type ReverseReplicationOutput =
  | ReverseReplication
  | { readonly action: 'undone' | 'nothing-to-undo'; readonly message: string };

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

export async function undoReverse(engine: ReplicationEngine): Promise<ReverseReplicationOutput> {
  const reverse = await engine.reverse();
  if (reverse === undefined) {
    const started = await engine.start();
    return { action: 'nothing-to-undo', message: `No reverse replication to remove; forward replication: ${started.message}` };
  }
  await reverse.stop();
  const started = await engine.start();
  return { action: 'undone', message: `Reverse replication removed; forward replication: ${started.message}` };
}
