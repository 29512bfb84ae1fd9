import { z } from 'zod';
import { PHASES, type Phase } from '../shared/checkpoints';
import { parseInput } from '../shared/input';
import { logger } from '../shared/observability';
import type { StepRuntime } from '../shared/runtime';
import { LeaseSchema } from '../shared/workflow-schemas';
import { phaseChangedNotification } from './phase-messages';

/** `{"migrationId", "runId", "to": "ready", "reason", "lease"}`: a workflow moving the migration under its lock. */
export const SetPhaseInputSchema = z.strictObject({
  migrationId: z.string().min(1, 'is required'),
  runId: z.string().min(1, 'is required').max(200),
  to: z.enum(PHASES),
  /** Goes into the state's history and the notification. */
  reason: z.string().min(1, 'is required').max(500),
  lease: LeaseSchema,
});

export interface SetPhaseOutput {
  readonly phase: Phase;
  /** False when the migration was in `to` already: nothing was written or sent. */
  readonly changed: boolean;
  readonly version: number;
  /** Whether the operator was told (a failed notification does not undo the change); absent when nothing changed. */
  readonly notified?: boolean;
}

/**
 * Moves the migration to `to` under the workflow's lease (a write by a lease that expired or was
 * taken over is refused with LockLostError; a move the phase table forbids with
 * ForbiddenTransitionError) and tells the operator. Done once per run and target phase: a resumed
 * run gets the stored result back, neither writing nor notifying again.
 */
export async function setPhaseStep(event: unknown, runtime: StepRuntime): Promise<SetPhaseOutput> {
  const input = parseInput(SetPhaseInputSchema, event);
  const migration = runtime.migration(input.migrationId);
  const { store } = runtime;
  return store.runStep(input.runId, `set-phase:${input.to}`, async (): Promise<SetPhaseOutput> => {
    const current = await store.ensureState(input.migrationId);
    if (current.phase === input.to) return { phase: current.phase, changed: false, version: current.version };
    const next = await store.transition(input.migrationId, {
      to: input.to,
      expectedVersion: current.version,
      reason: input.reason,
      lease: input.lease,
    });
    const notified = await runtime.notifier
      .notify(
        phaseChangedNotification(migration, {
          from: current.phase,
          to: next.phase,
          reason: input.reason,
          runId: input.runId,
          by: input.lease.owner,
          // A finished migration's clients are where it was before finishing: on the target after a cutover.
          ...(next.phase === 'completed' ? { clientsOn: current.history.filter((h) => h.to === 'finishing').at(-1)?.from === 'cut-over' ? 'target' : 'source' } : {}),
        }),
      )
      .then(
        () => true,
        // The phase has changed and must be reported as changed; a retry would find nothing to do
        // and so would not notify either. The log and the state's history keep the change.
        (error: unknown) => {
          logger.warn('phase-changed notification failed', { migrationId: input.migrationId, to: input.to, error: error as Error });
          return false;
        },
      );
    return { phase: next.phase, changed: true, version: next.version, notified };
  });
}
