import { z } from 'zod';
import { COMPARISON_SUMMARY_KIND, GUARDRAILS_KIND } from '../shared/catalog/reports';
import { migrationId, runId } from '../shared/workflow-schemas';
import { parseInput } from '../shared/input';
import { withEngine, type StepRuntime } from '../shared/runtime';
import { GUARDRAILS, type GuardrailFacts, type GuardrailResult } from './checks';
import { GuardrailsFailedError } from './errors';

/** `{"migrationId", "runId"}` */
export const GuardrailsInputSchema = z.strictObject({ migrationId, runId });

export interface GuardrailsOutput {
  readonly passed: boolean;
  readonly guardrails: readonly GuardrailResult[];
}

export { GUARDRAILS_KIND };

/** Every guardrail, each reported by name (one that throws fails with its error); stored as the `guardrails` report. */
export async function guardrailsStep(event: unknown, runtime: StepRuntime): Promise<GuardrailsOutput> {
  const input = parseInput(GuardrailsInputSchema, event);
  const migration = runtime.migration(input.migrationId);
  const [state, comparison, verification, sourceFreeze, targetFreeze] = await Promise.all([
    runtime.store.getState(input.migrationId),
    runtime.store.latestReport(input.migrationId, COMPARISON_SUMMARY_KIND),
    runtime.store.getVerification(input.migrationId),
    runtime.store.getFreeze(input.migrationId, 'source'),
    runtime.store.getFreeze(input.migrationId, 'target'),
  ]);
  const results = await withEngine(runtime, migration, async (engine, { source, target }) => {
    const facts: GuardrailFacts = {
      migration,
      state,
      comparison,
      verification,
      now: runtime.now(),
      source,
      target,
      engine,
      openSwitch: () => runtime.switchFor(migration),
      freezes: { source: sourceFreeze, target: targetFreeze },
    };
    const out: GuardrailResult[] = [];
    for (const [id, check] of GUARDRAILS) {
      out.push(await check(facts).catch((error: unknown) => ({ id, passed: false, message: `could not be checked: ${(error as Error).message}` })));
    }
    return out;
  });
  const passed = results.every((r) => r.passed);
  await runtime.store.putReport(input.migrationId, GUARDRAILS_KIND, { runId: input.runId, passed, guardrails: results });
  if (!passed) {
    throw new GuardrailsFailedError(
      `The cutover of "${input.migrationId}" did not start; nothing was changed. Failed guardrails:\n` +
        results.filter((r) => !r.passed).map((r) => `- ${r.id}: ${r.message}`).join('\n'),
    );
  }
  return { passed, guardrails: results };
}
