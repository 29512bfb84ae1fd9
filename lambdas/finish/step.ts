import { z } from 'zod';
import { FINISH_IGNORED_KIND, FINISH_REPORT_KIND } from '../shared/catalog/reports';
import { lease, migrationId, runId } from '../shared/workflow-schemas';
import { parseInput } from '../shared/input';
import { logger } from '../shared/observability';
import { withDatabases, withEngine, type StepRuntime } from '../shared/runtime';
import { WORKFLOW_LEASE_WAIT_MS, withVerificationLease } from '../shared/verification/lease';
import { cleanUpMigration, type CleanupReport } from './clean-up';
import { FinishUnsafeError } from './errors';
import { decideFinish, type FinishDecision } from './plan';

/** What the finish workflow's `$.run` gives its steps. */
const RunFields = {
  migrationId,
  runId,
  lease,
  /** The execution: it holds the verification lease while the capture slots go. */
  owner: z.string().min(1, 'is required'),
};

/**
 * `{"action": "plan", ..., "force", "scheduled"}`: decide under the lock what this request does.
 * `{"action": "clean-up", ..., "clientsOn"}`: stop replication and remove everything of the migration from both databases.
 */
export const FinishInputSchema = z.discriminatedUnion(
  'action',
  [
    z.strictObject({ action: z.literal('plan'), ...RunFields, force: z.boolean(), scheduled: z.boolean() }),
    z.strictObject({
      action: z.literal('clean-up'),
      ...RunFields,
      clientsOn: z.enum(['source', 'target']),
      /** The plan's message: why the migration may be finished now. */
      why: z.string().min(1).max(1000),
    }),
  ],
  { error: (issue) => (issue.code === 'invalid_union' ? "action must be 'plan' or 'clean-up'" : undefined) },
);

export { FINISH_IGNORED_KIND, FINISH_REPORT_KIND };

export interface FinishCleanupOutput extends CleanupReport {
  /** The phase change's reason: why, and what was removed (at most 500 characters). */
  readonly reason: string;
}


export async function finishStep(event: unknown, runtime: StepRuntime): Promise<FinishDecision | FinishCleanupOutput> {
  const input = parseInput(FinishInputSchema, event);
  const migration = runtime.migration(input.migrationId);
  if (input.action === 'plan') {
    const state = await runtime.store.getState(input.migrationId);
    const decision = decideFinish(state, { migrationId: input.migrationId, force: input.force, scheduled: input.scheduled }, runtime.now(), migration.thresholds.observationMinutes);
    if (decision.mode === 'ignore') {
      await runtime.store.putReport(input.migrationId, FINISH_IGNORED_KIND, { executionId: input.owner, phase: decision.phase, why: decision.message });
      await runtime.notifier
        .notify({
          migrationId: input.migrationId,
          event: 'finish-ignored',
          subject: `Ferry ${input.migrationId}: finish did nothing`,
          message: `The finish workflow ran for migration "${input.migrationId}" and changed nothing: ${decision.message}.\n\nExecution: ${input.owner}`,
        })
        .catch((error: unknown) => logger.warn('finish-ignored notification failed', { error: error as Error }));
      return decision;
    }
    await assertClientsWhereExpected(runtime, input.migrationId, decision.clientsOn);
    return decision;
  }
  return runtime.store.runStep(input.runId, 'finish:clean-up', async () => {
    const report = await withEngine(runtime, migration, async (engine, dbs) => {
      const done = await withVerificationLease(runtime.store, migration.id, { owner: input.owner, leaseMs: 5 * 60_000, waitMs: WORKFLOW_LEASE_WAIT_MS }, (verificationLease) =>
        cleanUpMigration({ migration, engine, ...dbs, store: runtime.store, lease: verificationLease, now: runtime.now }),
      );
      return done!;
    });
    await runtime.store.putReport(input.migrationId, FINISH_REPORT_KIND, { ...report, clientsOn: input.clientsOn, executionId: input.owner });
    return { ...report, reason: reasonFor(input.why, report) };
  });
}

/**
 * Finishing stops the replication that carries writes to the side the clients do not use. Before
 * that, the clients must be where the phase says, and that side writable: otherwise a write
 * made now would reach a database that nobody reads, or fail.
 */
async function assertClientsWhereExpected(runtime: StepRuntime, migrationId: string, side: 'source' | 'target'): Promise<void> {
  const migration = runtime.migration(migrationId);
  const position = await (await runtime.switchFor(migration)).current();
  if (position.side !== side) throw new FinishUnsafeError(migrationId, `its clients should use the ${side}, but the switch points at ${position.value}`);
  const freeze = await runtime.store.getFreeze(migrationId, side);
  if (freeze !== undefined && freeze.status !== 'thawed') {
    throw new FinishUnsafeError(migrationId, `writes on the ${side}, where the clients are, are ${freeze.status} (run ${freeze.runId})`);
  }
  // The databases must answer before anything is stopped; a step that cannot reach them fails here, not half-way.
  await withDatabases(runtime, migration, async ({ source, target }) => void (await Promise.all([source.query('select 1'), target.query('select 1')])), { max: 1 });
}

/** The reason a phase change takes is at most 500 characters; the `finish` report keeps the whole list. */
function reasonFor(why: string, report: CleanupReport): string {
  const text = `${why}; removed ${report.removed.join('; ')}${report.kept.length > 0 ? `; kept ${report.kept.join('; ')}` : ''}`;
  const more = '... (the "finish" report lists everything)';
  return text.length <= 500 ? text : `${text.slice(0, 500 - more.length)}${more}`;
}
