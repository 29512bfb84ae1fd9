import { z } from 'zod';
import { ROLLBACK_IGNORED_KIND } from '../shared/catalog/reports';
import { lease, runId, TriggerSchema } from '../shared/workflow-schemas';
import { parseInput } from '../shared/input';
import { logger } from '../shared/observability';
import type { StepRuntime } from '../shared/runtime';
import { decideRollback, type RollbackDecision } from './plan';

/**
 * `{"action": "plan", ..., "runId", "lease"}`: decide under the lock what this trigger does.
 * `{"action": "ignore", ..., "why"}`: record a trigger that will not act (another workflow holds the lock).
 */
export const RollbackPlanInputSchema = z.discriminatedUnion(
  'action',
  [
    z.strictObject({ action: z.literal('plan'), trigger: TriggerSchema, runId, lease }),
    z.strictObject({ action: z.literal('ignore'), trigger: TriggerSchema, why: z.string().min(1).max(4000) }),
  ],
  { error: (issue) => (issue.code === 'invalid_union' ? "action must be 'plan' or 'ignore'" : undefined) },
);

export { ROLLBACK_IGNORED_KIND };

export async function rollbackPlanStep(event: unknown, runtime: StepRuntime): Promise<RollbackDecision> {
  const { trigger: input, ...request } = parseInput(RollbackPlanInputSchema, event);
  const migration = runtime.migration(input.migrationId);
  const state = await runtime.store.getState(input.migrationId);
  const decision: RollbackDecision =
    request.action === 'ignore'
      ? { mode: 'ignore', phase: state?.phase ?? 'new', message: request.why }
      : decideRollback(state, input, runtime.now(), migration.thresholds.observationMinutes);
  if (decision.mode === 'ignore') {
    // Recorded and told, so an alarm that "did nothing" is never a mystery.
    await runtime.store.putReport(input.migrationId, ROLLBACK_IGNORED_KIND, {
      reason: input.reason,
      alarmName: input.alarmName ?? null,
      executionId: input.executionId,
      phase: decision.phase,
      why: decision.message,
    });
    await runtime.notifier
      .notify({
        migrationId: input.migrationId,
        event: 'rollback-ignored',
        subject: `Ferry ${input.migrationId}: rollback trigger ignored`,
        message:
          // Messages may end in a full stop of their own (a plan's, or an error's Cause in `why`).
          `A rollback of migration "${input.migrationId}" was asked for (${input.reason}) and changed nothing: ${decision.message.replace(/[.\s]+$/, '')}.\n\n` +
          `Execution: ${input.executionId}`,
      })
      .catch((error: unknown) => logger.warn('rollback-ignored notification failed', { error: error as Error }));
  }
  return decision;
}
