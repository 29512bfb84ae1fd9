import { z } from 'zod';
import { readWriteCounters, WRITE_COUNTERS_STEP } from '../shared/cutover/write-counters';
import { parseInput } from '../shared/input';
import { withDatabases, type StepRuntime } from '../shared/runtime';
import { listTables, type ListTablesOutput } from './list-tables';

/** `{"migrationId": "orders"}` */
export const ListTablesInputSchema = z.strictObject({
  migrationId: z.string().min(1, 'is required'),
  /** The migrate run: its first listing also keeps the source's write counters, the baseline of a cutover's fast final comparison. */
  runId: z.string().min(1).max(200).optional(),
});

/** The tables the migrate workflow compares, one Map item each. */
export async function listTablesStep(event: unknown, runtime: StepRuntime): Promise<ListTablesOutput> {
  const input = parseInput(ListTablesInputSchema, event);
  const migration = runtime.migration(input.migrationId);
  return withDatabases(
    runtime,
    migration,
    async ({ source }) => {
      const listed = await listTables(input.migrationId, source, migration.tables);
      // Before the comparisons start, and only once per run: a write counted later is compared again at cutover.
      if (input.runId !== undefined) await runtime.store.runStep(input.runId, WRITE_COUNTERS_STEP, () => readWriteCounters(source, listed.tables));
      return listed;
    },
    { max: 1 },
  );
}
