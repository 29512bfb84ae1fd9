import { z } from 'zod';
import { deadline, lease, migrationId, other, runId, side } from '../shared/workflow-schemas';
import { freezeSide, thawSide } from '../shared/cutover/sides';
import { endSessions, type FreezeOutcome, type ThawOutcome } from '../shared/freeze/freeze';
import { METRICS, publishMetric } from '../shared/catalog/metrics';
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
        if (thawed.action === 'thawed') await publishWriteFreeze(runtime, input.migrationId, input.side, thawed);
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

/**
 * A thaw with `reconnect` is the one that gives the clients their writes back, on the database the
 * switch now points at (the target in a cutover, the source in a rollback): how long they could
 * not write runs from the freeze of the database they used before (the other side, still frozen)
 * to now. Without that record, the thawed side's own freeze stands in.
 */
async function publishWriteFreeze(runtime: StepRuntime, migrationId: string, side: 'source' | 'target', thawed: ThawOutcome): Promise<void> {
  const [before, now] = await Promise.all([runtime.store.getFreeze(migrationId, other(side)), runtime.store.getFreeze(migrationId, side)]);
  const frozenMs = before && before.status !== 'thawed' && now?.thawedAt !== undefined ? now.thawedAt - before.frozenAt : thawed.frozenMs;
  if (frozenMs === undefined) return;
  publishMetric(runtime.metrics, METRICS.writeFreezeSeconds, Math.max(0, frozenMs) / 1000, { migrationId, direction: side === 'target' ? 'forward' : 'reverse' });
}
