import { z } from 'zod';
import { parseInput } from '../shared/input';
import { withDatabases, type StepRuntime } from '../shared/runtime';
import { listTables, type ListTablesOutput } from './list-tables';

/** `{"migrationId": "orders"}` */
export const ListTablesInputSchema = z.strictObject({
  migrationId: z.string().min(1, 'is required'),
  /** The migrate run (accepted for the workflow's convenience; the listing does not depend on it). */
  runId: z.string().min(1).max(200).optional(),
});

/** The tables the migrate workflow compares, one Map item each. */
export async function listTablesStep(event: unknown, runtime: StepRuntime): Promise<ListTablesOutput> {
  const input = parseInput(ListTablesInputSchema, event);
  const migration = runtime.migration(input.migrationId);
  return withDatabases(
    runtime,
    migration,
    async ({ source }) => listTables(input.migrationId, source, migration.tables),
    { max: 1 },
  );
}
