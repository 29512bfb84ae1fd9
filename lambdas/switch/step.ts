import { z } from 'zod';
import { assertBeforeDeadline } from '../shared/cutover/deadline';
import { deadline, migrationId, side } from '../shared/workflow-schemas';
import { parseInput } from '../shared/input';
import type { StepRuntime } from '../shared/runtime';
import type { SwitchOutcome } from '../shared/switch/switch';

/** `{"migrationId", "to": "target"}` */
export const SwitchInputSchema = z.strictObject({ migrationId, to: side, deadline: deadline.optional() });

/** Points the migration's clients at `to` through its configured switch. Safe to repeat. */
export type SwitchStepOutput = SwitchOutcome & { readonly strategy: string };

export async function switchStep(event: unknown, runtime: StepRuntime): Promise<SwitchStepOutput> {
  const input = parseInput(SwitchInputSchema, event);
  const migration = runtime.migration(input.migrationId);
  assertBeforeDeadline(input.deadline, runtime.now(), 'the clients were switched');
  const sw = await runtime.switchFor(migration);
  return { strategy: sw.strategy, ...(await sw.pointTo(input.to)) };
}
