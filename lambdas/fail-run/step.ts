import { z } from 'zod';
import { parseInput } from '../shared/input';
import type { StepRuntime } from '../shared/runtime';
import { LeaseSchema } from '../shared/workflow-schemas';
import { failRun, type FailRunInput, type FailRunOutput } from './fail-run';

/** `{"workflow", "executionId", "state": <the whole workflow state at the failure>}` */
export const FailRunEventSchema = z.strictObject({
  workflow: z.string().min(1, 'is required'),
  executionId: z.string().min(1, 'is required'),
  state: z.record(z.string(), z.unknown()),
});

/**
 * The parts of the state fail-run acts on. They are read leniently: a part without the expected
 * shape is left out (no lease: nothing is released) rather than failing the report of a failure.
 */
const STATE_PARTS: Readonly<Record<string, z.ZodType>> = {
  error: z.looseObject({ Error: z.unknown().optional(), Cause: z.unknown().optional() }),
  run: z.looseObject({ migrationId: z.string().min(1), runId: z.string().min(1).optional() }),
  lease: LeaseSchema,
};

export async function failRunStep(event: unknown, runtime: StepRuntime): Promise<FailRunOutput> {
  const input = parseInput(FailRunEventSchema, event);
  const state: Record<string, unknown> = {};
  // In the order the workflow added them, so `failedAfter` reads as a timeline.
  for (const [key, value] of Object.entries(input.state)) {
    const schema = STATE_PARTS[key];
    if (schema === undefined) state[key] = value;
    else {
      const parsed = schema.safeParse(value);
      if (parsed.success) state[key] = parsed.data;
    }
  }
  return failRun({ workflow: input.workflow, executionId: input.executionId, state: state as FailRunInput['state'] }, runtime);
}
