import { z } from 'zod';
import { InvalidInputError, parseInput } from '../shared/input';
import type { StepRuntime } from '../shared/runtime';
import { SWITCH_LEASE_SECONDS, type SwitchRun } from './switch-workflows';

/**
 * `{"migrationId": "orders"}`, optionally `"force": true` (finish a cut-over migration before its
 * observation window ends). `scheduled` is set by the schedule a cutover creates, not by people.
 */
export const FinishInputSchema = z.strictObject({
  migrationId: z.string().min(1, 'is required'),
  force: z.boolean().default(false),
  scheduled: z.boolean().default(false),
});

export interface FinishRun extends SwitchRun {
  readonly force: boolean;
  readonly scheduled: boolean;
}

export function validateFinish(envelope: { readonly input?: unknown; readonly executionId: string; readonly executionName: string }, runtime: StepRuntime): FinishRun {
  if (envelope.input === undefined) throw new InvalidInputError(['(input): the execution input must be a JSON object such as {"migrationId": "orders"}']);
  const input = parseInput(FinishInputSchema, envelope.input);
  runtime.migration(input.migrationId);
  return {
    migrationId: input.migrationId,
    runId: `finish:${input.migrationId}:${envelope.executionName}`,
    owner: envelope.executionId,
    executionId: envelope.executionId,
    leaseSeconds: SWITCH_LEASE_SECONDS,
    force: input.force,
    scheduled: input.scheduled,
  };
}
