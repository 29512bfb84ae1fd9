import { z } from 'zod';
import { InvalidInputError, parseInput } from '../shared/input';
import type { StepRuntime } from '../shared/runtime';

/** `{"migrationId": "orders"}`, optionally `"fullComparison": true` (compare every table while frozen, not only those written since the last comparison). */
export const CutoverInputSchema = z.strictObject({
  migrationId: z.string().min(1, 'is required'),
  fullComparison: z.boolean().default(false),
});

/** `{"migrationId": "orders", "reason": "..."}`; an alarm's rule also sends `alarmName`. */
export const RollbackInputSchema = z.strictObject({
  migrationId: z.string().min(1, 'is required'),
  reason: z.string().min(1, 'is required: say why you roll back (it goes into the history and the notification)').max(1000),
  alarmName: z.string().min(1).max(255).optional(),
});

/** A cutover or rollback's `$.run`. Each execution is its own run: these workflows do not resume, they finish or undo. */
export interface SwitchRun {
  readonly migrationId: string;
  readonly runId: string;
  readonly owner: string;
  readonly executionId: string;
  readonly leaseSeconds: number;
}

export interface CutoverRun extends SwitchRun {
  readonly fullComparison: boolean;
}

export interface RollbackRun extends SwitchRun {
  /** What the rollback steps record and report: why, and which alarm if one started it. */
  readonly trigger: { readonly migrationId: string; readonly reason: string; readonly alarmName?: string; readonly executionId: string };
}

/** Longer than either workflow's TimeoutSeconds, so the lock cannot expire under a running execution. */
export const SWITCH_LEASE_SECONDS = 4 * 3600;

interface Envelope {
  readonly input?: unknown;
  readonly executionId: string;
  readonly executionName: string;
}

const base = (migrationId: string, workflow: string, envelope: Envelope): SwitchRun => ({
  migrationId,
  runId: `${workflow}:${migrationId}:${envelope.executionName}`,
  owner: envelope.executionId,
  executionId: envelope.executionId,
  leaseSeconds: SWITCH_LEASE_SECONDS,
});

export function validateCutover(envelope: Envelope, runtime: StepRuntime): CutoverRun {
  const input = parseInput(CutoverInputSchema, envelope.input ?? missing('{"migrationId": "orders"}'));
  runtime.migration(input.migrationId);
  return { ...base(input.migrationId, 'cutover', envelope), fullComparison: input.fullComparison };
}

export function validateRollback(envelope: Envelope, runtime: StepRuntime): RollbackRun {
  const input = parseInput(RollbackInputSchema, envelope.input ?? missing('{"migrationId": "orders", "reason": "error rate too high"}'));
  runtime.migration(input.migrationId);
  return {
    ...base(input.migrationId, 'rollback', envelope),
    trigger: {
      migrationId: input.migrationId,
      reason: input.reason,
      ...(input.alarmName === undefined ? {} : { alarmName: input.alarmName }),
      executionId: envelope.executionId,
    },
  };
}

function missing(example: string): never {
  throw new InvalidInputError([`(input): the execution input must be a JSON object such as ${example}`]);
}
