import { z } from 'zod';
import { selectedTables } from '../shared/cutover/tables';
import { buildIndexes, checkpointPlanStore, deferIndexes, indexStates, BUILDER_APPLICATION } from '../shared/indexes/deferred';
import { parseInput } from '../shared/input';
import { defersIndexes } from '../shared/migration-config';
import { logger } from '../shared/observability';
import { withEngine, type StepRuntime } from '../shared/runtime';
import { migrationId } from '../shared/workflow-schemas';

/**
 * `{"migrationId", "action"}`. `defer` (migrate, before replication starts): records the target's
 * secondary indexes and drops them. `build` (migrate after the full load, finish before the
 * clean-up): builds what the plan holds and is not valid yet, and returns when every index is
 * valid or the invocation's time is nearly up (`done: false`: the workflow calls it again, the
 * builds go on meanwhile).
 */
export const IndexesInputSchema = z.strictObject({
  migrationId,
  action: z.enum(['defer', 'build']),
});

export type IndexesOutput =
  | { readonly action: 'defer'; readonly enabled: boolean; readonly dropped: number; readonly resumed: boolean; readonly message: string }
  | {
      readonly action: 'build';
      readonly done: boolean;
      readonly total: number;
      readonly valid: number;
      readonly building: number;
      readonly rebuilt: readonly string[];
      readonly message: string;
    };

/** How often a waiting build step looks at the builds; each look is one catalog query. */
const POLL_MS = 5_000;

/** Replication states in which the target's tables are still empty or loading: the indexes may be (or stay) dropped. */
const BEFORE_THE_COPY_ENDS = new Set(['not-started', 'starting', 'full-load']);

export async function indexesStep(event: unknown, runtime: StepRuntime, pollMs = POLL_MS): Promise<IndexesOutput> {
  const input = parseInput(IndexesInputSchema, event);
  const migration = runtime.migration(input.migrationId);
  const store = checkpointPlanStore(runtime.store, migration.id);
  return withEngine(runtime, migration, async (engine, { target }) => {
    if (input.action === 'defer') {
      if (!defersIndexes(migration)) {
        return { action: 'defer', enabled: false, dropped: 0, resumed: false, message: 'fullLoad.deferIndexes is off: the copy runs with the indexes in place.' };
      }
      const { state } = await engine.status();
      if (!BEFORE_THE_COPY_ENDS.has(state)) {
        // A rerun after the copy: dropping now would throw away indexes that are built or being built.
        return { action: 'defer', enabled: true, dropped: 0, resumed: true, message: `Replication is ${state}: the indexes are left as they are and built after the copy where missing.` };
      }
      const deferred = await deferIndexes(target, await selectedTables(target, migration), store, state === 'not-started');
      return {
        action: 'defer',
        enabled: true,
        ...deferred,
        message: `${deferred.dropped} secondary index(es) of the ${target.label} ${deferred.resumed ? 'dropped (the recorded plan was continued)' : 'recorded and dropped'}; they are built after the copy.`,
      };
    }
    const plan = await store.load();
    if (!plan || plan.indexes.length === 0) {
      return { action: 'build', done: true, total: 0, valid: 0, building: 0, rebuilt: [], message: 'No deferred indexes: nothing to build.' };
    }
    const { maintenanceWorkMemMb, parallelWorkers, concurrentBuilds } = migration.fullLoad.indexBuild;
    const connect = () => target.dedicatedClient(BUILDER_APPLICATION);
    const result = await buildIndexes(target, connect, plan, { maintenanceWorkMemMb, parallelWorkers, concurrentBuilds }, runtime.deadline(), pollMs);
    const total = plan.indexes.length;
    if (!result.done) {
      const states = await indexStates(target, plan);
      logger.info('index builds still running', { migrationId: migration.id, building: [...states].filter(([, s]) => s === 'building').map(([name]) => name) });
    }
    return {
      action: 'build',
      ...result,
      total,
      message: result.done
        ? `All ${total} deferred index(es) exist on the ${target.label} and are valid${result.rebuilt.length > 0 ? ` (${result.rebuilt.length} rebuilt after a failed build)` : ''}.`
        : `${result.valid} of ${total} deferred index(es) are valid, ${result.building} building; the builds go on on the server.`,
    };
  });
}
