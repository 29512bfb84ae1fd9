import { z } from 'zod';
import { deadline, lease, migrationId, other, runId, side } from '../shared/workflow-schemas';
import { freezeSide, thawSide } from '../shared/cutover/sides';
import { endSessions, type FreezeOutcome, type ThawOutcome } from '../shared/freeze/freeze';
import { parseInput } from '../shared/input';
import { withDatabases, type StepRuntime } from '../shared/runtime';

/**
 * `{"action": "freeze", "migrationId", "runId", "lease", "side", "bounded"}` or
 * `{"action": "thaw", "migrationId", "side", "reconnect"}`.
 */
export const FreezeInputSchema = z.discriminatedUnion(
  'action',
  [
    z.strictObject({
      action: z.literal('freeze'),
      migrationId,
      runId,
      lease,
      side,
      /** true: the freeze may last at most thresholds.maxWriteFreezeSeconds from now; later steps stop at that deadline. */
      bounded: z.boolean(),
      /** An existing deadline to keep (a freeze already under way). */
      deadline: deadline.optional(),
    }),
    z.strictObject({
      action: z.literal('thaw'),
      migrationId,
      side,
      /**
       * End the frozen roles' sessions on the other database after thawing, so that pooled clients
       * reconnect through the switch to this one. @default false
       */
      reconnect: z.boolean().default(false),
    }),
  ],
  { error: (issue) => (issue.code === 'invalid_union' ? "action must be 'freeze' or 'thaw'" : undefined) },
);

export type FreezeStepOutput = FreezeOutcome | (ThawOutcome & { readonly sessionsEnded?: number });

export async function freezeStep(event: unknown, runtime: StepRuntime): Promise<FreezeStepOutput> {
  const input = parseInput(FreezeInputSchema, event);
  const migration = runtime.migration(input.migrationId);
  return withDatabases(
    runtime,
    migration,
    async (dbs) => {
      if (input.action === 'thaw') {
        const thawed = await thawSide(runtime, migration, dbs, input.side);
        if (!input.reconnect) return thawed;
        const record = await runtime.store.getFreeze(input.migrationId, input.side);
        return { ...thawed, sessionsEnded: await endSessions(dbs[other(input.side)], record?.roles ?? []) };
      }
      return freezeSide(runtime, migration, dbs, {
        side: input.side,
        runId: input.runId,
        owner: input.lease.owner,
        deadline: input.deadline ?? runtime.now() + migration.thresholds.maxWriteFreezeSeconds * 1000,
        bounded: input.bounded,
      });
    },
    { max: 2 },
  );
}
