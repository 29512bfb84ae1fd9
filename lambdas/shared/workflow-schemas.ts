import { z } from 'zod';

/**
 * The workflow state that passes between steps: the fields steps take from `$.run`, each
 * workflow's whole `$.run` (what validate-input returns), and the lock lease in `$.lease`. A step's
 * input schema picks its fields from here, so a field means the same in every step and workflow;
 * test/lambdas/shared/workflow-schemas.test.ts checks that every `$.run.<field>` the workflow files
 * read is in that workflow's schema.
 */

export const migrationId = z.string().min(1, 'is required');
/** Checkpoints are kept per run: the same run id resumes them. */
export const runId = z.string().min(1, 'is required').max(200);
export const side = z.enum(['source', 'target'], { error: "must be 'source' or 'target'" });
/** Epoch ms by which the step must be done (a freeze's end). */
export const deadline = z.number().int().min(0);
/** The lock owner: the execution's ARN. */
export const owner = z.string().min(1, 'is required');

export const other = (s: 'source' | 'target'): 'source' | 'target' => (s === 'source' ? 'target' : 'source');

/**
 * A lock lease as the lock step returns it (`owner`, fencing `token`, `expiresAt` in epoch ms).
 * Workflows keep it in `$.lease` and hand it to every step that writes under the lock.
 */
export const LeaseSchema = z.strictObject({
  owner,
  token: z.number().int().min(1),
  expiresAt: z.number().int().min(0),
});
export const lease = LeaseSchema;

const count = z.number().int().min(0);

/** The migrate workflow's `$.run`: every later state reads its ids and limits from here. */
export const MigrateRunSchema = z.strictObject({
  migrationId,
  runId,
  /** True when this execution continues the run an earlier execution started. */
  resumed: z.boolean(),
  owner,
  waive: z.array(z.string().min(1)).readonly(),
  settleMs: count,
  leaseSeconds: z.number().int().min(1),
  pollSeconds: z.number().int().min(1),
  /** thresholds.maxLagSecondsForCutover of the migration. */
  lagThresholdSeconds: z.number().min(0),
  /** Counters the workflow increments in its wait loops. */
  polls: z.strictObject({ fullLoad: count, lag: count }).readonly(),
  maxPolls: z.strictObject({ fullLoad: count, lag: count, compareRounds: count }).readonly(),
});
export type MigrateRun = z.infer<typeof MigrateRunSchema>;

/** What a cutover, rollback and finish `$.run` share. Each execution is its own run: these workflows do not resume, they finish or undo. */
const SwitchRunFields = {
  migrationId,
  runId,
  owner,
  executionId: z.string().min(1, 'is required'),
  leaseSeconds: z.number().int().min(1),
};

export const CutoverRunSchema = z.strictObject({
  ...SwitchRunFields,
  /** Compare every table while frozen, not only those written since the last comparison. */
  fullComparison: z.boolean(),
});
export type CutoverRun = z.infer<typeof CutoverRunSchema>;

/** What started a rollback (`$.run.trigger`): why, and which alarm if one did. */
export const TriggerSchema = z.strictObject({
  migrationId,
  reason: z.string().min(1, 'is required').max(1000),
  alarmName: z.string().min(1).max(255).optional(),
  executionId: z.string().min(1, 'is required'),
});
export type RollbackTrigger = z.infer<typeof TriggerSchema>;

export const RollbackRunSchema = z.strictObject({ ...SwitchRunFields, trigger: TriggerSchema });
export type RollbackRun = z.infer<typeof RollbackRunSchema>;

export const FinishRunSchema = z.strictObject({
  ...SwitchRunFields,
  force: z.boolean(),
  /** Set by the schedule a cutover creates, not by people. */
  scheduled: z.boolean(),
});
export type FinishRun = z.infer<typeof FinishRunSchema>;

/** The drift workflow's `$.run` (its first Pass state): only the migration, for the failure report. */
export const DriftRunSchema = z.strictObject({ migrationId });

/** Each workflow's `$.run`, by workflow name. */
export const RUN_SCHEMAS = {
  migrate: MigrateRunSchema,
  cutover: CutoverRunSchema,
  rollback: RollbackRunSchema,
  finish: FinishRunSchema,
  drift: DriftRunSchema,
} as const;

export type WorkflowName = keyof typeof RUN_SCHEMAS;
export const WORKFLOW_NAMES = Object.keys(RUN_SCHEMAS) as WorkflowName[];
