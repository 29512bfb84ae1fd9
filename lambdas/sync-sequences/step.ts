import { z } from 'zod';
import { assertBeforeDeadline } from '../shared/cutover/deadline';
import { deadline, migrationId, other, side } from '../shared/workflow-schemas';
import { syncSequences, type SequenceSyncReport } from '../shared/cutover/sequences';
import { parseInput } from '../shared/input';
import { withDatabases, type StepRuntime } from '../shared/runtime';

/** `{"migrationId", "to": "target", "deadline"}`: move the sequences on `to` past the other side's. */
export const SyncSequencesInputSchema = z.strictObject({
  migrationId,
  to: side,
  deadline: deadline.optional(),
});

/** Logical replication carries no sequence values: before `to` takes writes, its sequences must be ahead. */
export async function syncSequencesStep(event: unknown, runtime: StepRuntime): Promise<SequenceSyncReport> {
  const input = parseInput(SyncSequencesInputSchema, event);
  const migration = runtime.migration(input.migrationId);
  assertBeforeDeadline(input.deadline, runtime.now(), 'the sequences were moved');
  return withDatabases(runtime, migration, (dbs) => syncSequences(dbs[other(input.to)], dbs[input.to], migration.tables), { max: 1 });
}
