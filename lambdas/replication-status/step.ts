import { z } from 'zod';
import { parseInput } from '../shared/input';
import { estimatedRowsByTable } from '../shared/replication/progress';
import { fullLoadStartedAt } from '../shared/replication/progress-eta';
import { withEngine, type StepRuntime } from '../shared/runtime';
import { pollReplication, type ReplicationStatusOutput } from './poll';

/** `{"migrationId": "orders"}` */
export const ReplicationStatusInputSchema = z.strictObject({
  migrationId: z.string().min(1, 'is required'),
});

export async function replicationStatusStep(event: unknown, runtime: StepRuntime): Promise<ReplicationStatusOutput> {
  const input = parseInput(ReplicationStatusInputSchema, event);
  const migration = runtime.migration(input.migrationId);
  return withEngine(runtime, migration, (engine, dbs) =>
    pollReplication(input.migrationId, engine, runtime.metrics, {
      // Where the replication reads: the source, for the forward replication that copies.
      estimates: (tables) => estimatedRowsByTable(engine.direction === 'forward' ? dbs.source : dbs.target, tables),
      startedAt: async () => fullLoadStartedAt((await runtime.store.getState(input.migrationId))?.history),
      now: () => runtime.now(),
    }),
  );
}
