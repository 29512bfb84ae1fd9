import { InvalidInputError, parseInput } from '../shared/input';
import type { StepRuntime } from '../shared/runtime';
import { CutoverInputSchema, FinishInputSchema, RollbackInputSchema, WORKFLOW_INPUT_EXAMPLES } from '../shared/workflow-inputs';
import { CutoverRunSchema, FinishRunSchema, RollbackRunSchema, type CutoverRun, type FinishRun, type RollbackRun } from '../shared/workflow-schemas';

/** Longer than either workflow's TimeoutSeconds, so the lock cannot expire under a running execution. */
export const SWITCH_LEASE_SECONDS = 4 * 3600;

interface Envelope {
  readonly input?: unknown;
  readonly executionId: string;
  readonly executionName: string;
}

/** The fields every cutover, rollback and finish run has: each execution is its own run. */
const base = (migrationId: string, workflow: 'cutover' | 'rollback' | 'finish', envelope: Envelope) => ({
  migrationId,
  runId: `${workflow}:${migrationId}:${envelope.executionName}`,
  owner: envelope.executionId,
  executionId: envelope.executionId,
  leaseSeconds: SWITCH_LEASE_SECONDS,
});

export function validateCutover(envelope: Envelope, runtime: StepRuntime): CutoverRun {
  const input = parseInput(CutoverInputSchema, envelope.input ?? missing('cutover'));
  runtime.migration(input.migrationId);
  return CutoverRunSchema.parse({ ...base(input.migrationId, 'cutover', envelope), fullComparison: input.fullComparison });
}

export function validateRollback(envelope: Envelope, runtime: StepRuntime): RollbackRun {
  const input = parseInput(RollbackInputSchema, envelope.input ?? missing('rollback'));
  runtime.migration(input.migrationId);
  return RollbackRunSchema.parse({
    ...base(input.migrationId, 'rollback', envelope),
    trigger: {
      migrationId: input.migrationId,
      reason: input.reason,
      ...(input.alarmName === undefined ? {} : { alarmName: input.alarmName }),
      executionId: envelope.executionId,
    },
  });
}

export function validateFinish(envelope: Envelope, runtime: StepRuntime): FinishRun {
  const input = parseInput(FinishInputSchema, envelope.input ?? missing('finish'));
  runtime.migration(input.migrationId);
  return FinishRunSchema.parse({ ...base(input.migrationId, 'finish', envelope), force: input.force, scheduled: input.scheduled });
}

function missing(workflow: keyof typeof WORKFLOW_INPUT_EXAMPLES): never {
  throw new InvalidInputError([`(input): the execution input must be a JSON object such as ${WORKFLOW_INPUT_EXAMPLES[workflow]}`]);
}
