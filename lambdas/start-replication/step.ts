import { z } from 'zod';
import { parseInput } from '../shared/input';
import { ensureMarkerTable } from '../shared/cutover/marker';
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
  return withEngine(runtime, migration, async (engine, { source, target }) => {
    // The cutover's drain marker must replicate like the migrated tables: it exists on both sides before replication starts.
    await Promise.all([ensureMarkerTable(source), ensureMarkerTable(target)]);
    return startReplication(input, engine);
  });
}
