import { z } from 'zod';
import { waitForMarker, writeMarker } from '../shared/cutover/marker';
import { assertBeforeDeadline } from '../shared/cutover/deadline';
import { deadline, migrationId, other, runId, side } from '../shared/workflow-schemas';
import { parseInput } from '../shared/input';
import { withDatabases, type StepRuntime } from '../shared/runtime';

/** `{"migrationId", "runId", "from": "source", "deadline"}`: prove that everything `from` committed has reached the other side. */
export const DrainInputSchema = z.strictObject({
  migrationId,
  runId,
  from: side,
  deadline,
});

export interface DrainOutput {
  readonly markerId: string;
  readonly from: 'source' | 'target';
  /** From writing the marker until it was visible on the other side. */
  readonly visibleAfterMs: number;
}

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
    async (dbs) => {
      // One marker per run and direction: a retried step writes another row with the same id, which is harmless.
      const markerId = `${input.runId}:${input.from}`;
      await writeMarker(dbs[input.from], { id: markerId, direction: `${input.from}->${other(input.from)}` });
      const { visibleAfterMs } = await waitForMarker(dbs[other(input.from)], markerId, { deadline: input.deadline, now: () => runtime.now() });
      return { markerId, from: input.from, visibleAfterMs };
    },
    { max: 1 },
  );
}
