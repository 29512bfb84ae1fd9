import { z } from 'zod';
import { parseInput } from '../shared/input';
import { withEngine, type StepRuntime } from '../shared/runtime';
import { pollReplication, type ReplicationStatusOutput } from './poll';

/** `{"migrationId": "orders"}` */
export const ReplicationStatusInputSchema = z.strictObject({
  migrationId: z.string().min(1, 'is required'),
});

export async function replicationStatusStep(event: unknown, runtime: StepRuntime): Promise<ReplicationStatusOutput> {
  const input = parseInput(ReplicationStatusInputSchema, event);
  const migration = runtime.migration(input.migrationId);
  return withEngine(runtime, migration, (engine) => pollReplication(input.migrationId, engine, runtime.metrics));
}
