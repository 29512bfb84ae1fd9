import { z } from 'zod';
import { parseInput } from '../shared/input';
import { withEngine, type StepRuntime } from '../shared/runtime';
import { startReplication, type StartReplicationOutput } from './start';

/** `{"migrationId": "orders"}`; `"reload": true` restarts the full load (empty target tables only). */
export const StartReplicationInputSchema = z.strictObject({
  migrationId: z.string().min(1, 'is required'),
  reload: z.boolean().default(false),
});

export async function startReplicationStep(event: unknown, runtime: StepRuntime): Promise<StartReplicationOutput> {
  const input = parseInput(StartReplicationInputSchema, event);
  const migration = runtime.migration(input.migrationId);
  return withEngine(runtime, migration, (engine) => startReplication(input, engine));
}
