import { z } from 'zod';
import { isAllowedTransition, PHASES, type Phase } from '../shared/checkpoints';
import { InvalidInputError, parseInput } from '../shared/input';
import type { StepRuntime } from '../shared/runtime';
import { MIGRATE_DEFAULTS } from '../shared/migrate-limits';
import { MigrateInputSchema, WORKFLOW_INPUT_EXAMPLES } from '../shared/workflow-inputs';
import { MigrateRunSchema, type CutoverRun, type FinishRun, type MigrateRun, type RollbackRun } from '../shared/workflow-schemas';
import { MigratePhaseError } from './errors';
import { resolveRun } from './run-pointer';
import { validateCutover, validateFinish, validateRollback } from './runs';

/** What the workflow passes: the raw execution input plus who is running it. */
export const ValidateInputEventSchema = z.strictObject({
  workflow: z.enum(['migrate', 'cutover', 'rollback', 'finish']),
  input: z.unknown().optional(),
  executionId: z.string().min(1, 'is required'),
  executionName: z.string().min(1, 'is required').max(80),
});

/**
 * The migrate workflow's first step: validates the operator's input, resolves the migration (an
 * unknown id is MigrationNotConfiguredError) and the run to work on, and fixes the loop limits.
 * Problems in the operator's input are named by their field as the operator wrote it
 * (`waive.0`, `settleMs`), without a prefix.
 */
export async function validateInputStep(event: unknown, runtime: StepRuntime): Promise<MigrateRun | CutoverRun | RollbackRun | FinishRun> {
  const envelope = parseInput(ValidateInputEventSchema, event);
  if (envelope.workflow === 'finish') return validateFinish(envelope, runtime);
  if (envelope.workflow === 'cutover') return validateCutover(envelope, runtime);
  if (envelope.workflow === 'rollback') return validateRollback(envelope, runtime);
  return validateMigrate(envelope, runtime);
}

async function validateMigrate(envelope: z.infer<typeof ValidateInputEventSchema>, runtime: StepRuntime): Promise<MigrateRun> {
  const input = parseInput(MigrateInputSchema, envelope.input ?? missingInput());
  const migration = runtime.migration(input.migrationId);
  const phase = (await runtime.store.getState(input.migrationId))?.phase ?? 'new';
  if (!canMigrateFrom(phase)) throw new MigratePhaseError(input.migrationId, phase, PHASES.filter(canMigrateFrom));
  const { runId, resumed } = await resolveRun(runtime.store, {
    migrationId: input.migrationId,
    executionId: envelope.executionId,
    executionName: envelope.executionName,
    restart: input.restart,
    now: runtime.now(),
  });
  return MigrateRunSchema.parse({
    migrationId: input.migrationId,
    runId,
    resumed,
    owner: envelope.executionId,
    waive: input.waive,
    settleMs: input.settleMs,
    leaseSeconds: MIGRATE_DEFAULTS.leaseSeconds,
    pollSeconds: MIGRATE_DEFAULTS.pollSeconds,
    lagThresholdSeconds: migration.thresholds.maxLagSecondsForCutover,
    polls: { fullLoad: 0, lag: 0 },
    maxPolls: { ...MIGRATE_DEFAULTS.maxPolls },
  });
}

/** The migrate workflow leads to `replicating`: it may start where that move is allowed, or where it already is. */
export function canMigrateFrom(phase: Phase): boolean {
  return phase === 'replicating' || isAllowedTransition(phase, 'replicating');
}

function missingInput(): never {
  throw new InvalidInputError([`(input): the execution input must be a JSON object such as ${WORKFLOW_INPUT_EXAMPLES.migrate}`]);
}
