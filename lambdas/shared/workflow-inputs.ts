import { z } from 'zod';
import { MIGRATE_DEFAULTS } from './migrate-limits';
import { CHECK_IDS } from './preflight/checks';
import { migrationId } from './workflow-schemas';

/**
 * What an operator types into the console (or `ferry start` sends) to start each workflow. The
 * workflows' first step validates with these, and so does the CLI before it starts anything.
 * Strict: a misspelt field is an error, never a silently ignored option.
 */

/** `{"migrationId": "orders"}`, optionally `waive` (preflight check ids), `restart` and `settleMs`. */
export const MigrateInputSchema = z.strictObject({
  migrationId,
  waive: z
    .array(z.string().refine((id) => CHECK_IDS.includes(id), { error: (issue) => `no check named '${String(issue.input)}' (checks: ${CHECK_IDS.join(', ')})` }))
    .default([]),
  /** false: resume the migration's current run; true: start a new run (preflight and every comparison again). */
  restart: z.boolean().default(false),
  /** Delay before a difference found under live replication is compared again. */
  settleMs: z.number().int().min(0).max(600_000).default(MIGRATE_DEFAULTS.settleMs),
});
export type MigrateInput = z.infer<typeof MigrateInputSchema>;

/** `{"migrationId": "orders"}`, optionally `"fullComparison": true` (compare every table while frozen, not only those written since the last comparison). */
export const CutoverInputSchema = z.strictObject({
  migrationId,
  fullComparison: z.boolean().default(false),
});

/** `{"migrationId": "orders", "reason": "..."}`; an alarm's rule also sends `alarmName`. */
export const RollbackInputSchema = z.strictObject({
  migrationId,
  reason: z.string().min(1, 'is required: say why you roll back (it goes into the history and the notification)').max(1000),
  alarmName: z.string().min(1).max(255).optional(),
});

/**
 * `{"migrationId": "orders"}`, optionally `"force": true` (finish a cut-over migration before its
 * observation window ends). `scheduled` is set by the schedule a cutover creates, not by people.
 */
export const FinishInputSchema = z.strictObject({
  migrationId,
  force: z.boolean().default(false),
  scheduled: z.boolean().default(false),
});

/** `{"migrationId": "orders"}`; `data` overrides the configured `drift.data` for one check; `action: "snapshot"` is what the cutover calls. */
export const DriftInputSchema = z.strictObject({
  migrationId,
  action: z.enum(['check', 'snapshot'], { error: "action must be 'check' or 'snapshot'" }).default('check'),
  data: z.enum(['none', 'sample', 'full'], { error: "data must be 'none', 'sample' or 'full'" }).optional(),
});

/** Each workflow's execution input, by workflow name. */
export const WORKFLOW_INPUT_SCHEMAS = {
  migrate: MigrateInputSchema,
  cutover: CutoverInputSchema,
  rollback: RollbackInputSchema,
  finish: FinishInputSchema,
  drift: DriftInputSchema,
} as const;

/** The smallest input that starts each workflow, for error messages and the docs. */
export const WORKFLOW_INPUT_EXAMPLES = {
  migrate: '{"migrationId": "orders"}',
  cutover: '{"migrationId": "orders"}',
  rollback: '{"migrationId": "orders", "reason": "error rate too high"}',
  finish: '{"migrationId": "orders"}',
  drift: '{"migrationId": "orders"}',
} as const satisfies Record<keyof typeof WORKFLOW_INPUT_SCHEMAS, string>;
