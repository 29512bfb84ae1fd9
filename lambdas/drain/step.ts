import { z } from 'zod';
import { assertBeforeDeadline } from '../shared/cutover/deadline';
import { proveDrained, type DrainProof } from '../shared/cutover/sides';
import { deadline, migrationId, runId, side } from '../shared/workflow-schemas';
import { parseInput } from '../shared/input';
import { withDatabases, type StepRuntime } from '../shared/runtime';

/** `{"migrationId", "runId", "from": "source", "deadline"}`: prove that everything `from` committed has reached the other side. */
export const DrainInputSchema = z.strictObject({
  migrationId,
  runId,
  from: side,
  deadline,
});

export type DrainOutput = DrainProof;

/**
 * Writes a marker row on `from` and waits until it is visible on the other database. Writes are
 * frozen on `from`, and replication applies changes in commit order, so when the marker arrives
 * every write committed before it has arrived too: this proves the drain, where a lag metric only
 * estimates it. MarkerTimeoutError at the deadline.
 */
export async function drainStep(event: unknown, runtime: StepRuntime): Promise<DrainOutput> {
  const input = parseInput(DrainInputSchema, event);
  const migration = runtime.migration(input.migrationId);
  assertBeforeDeadline(input.deadline, runtime.now(), 'the drain started');
  return withDatabases(
    runtime,
    migration,
    // One marker per run and direction.
    (dbs) => proveDrained(runtime, dbs, input.from, `${input.runId}:${input.from}`, input.deadline),
    { max: 1 },
  );
}
