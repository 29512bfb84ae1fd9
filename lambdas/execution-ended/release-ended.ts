import type { CheckpointStore } from '../shared/checkpoints';
import type { Notifier } from '../shared/notifier';
import { logger } from '../shared/observability';

/** Statuses of an execution that ended; the ones that may leave a lock behind (SUCCEEDED releases its own). */
export const ENDED_STATUSES = ['ABORTED', 'TIMED_OUT', 'FAILED'] as const;
export type EndedStatus = (typeof ENDED_STATUSES)[number];

export interface EndedExecution {
  readonly executionArn: string;
  readonly stateMachineArn?: string;
  readonly status: EndedStatus;
  readonly migrationId: string;
}

export type ExecutionEndedOutput =
  | { readonly action: 'released'; readonly migrationId: string; readonly executionArn: string; readonly notified: boolean }
  | { readonly action: 'ignored'; readonly reason: string };

const HOW: Record<EndedStatus, string> = {
  ABORTED: 'was stopped (from the console or the API)',
  TIMED_OUT: 'timed out',
  FAILED: 'failed',
};

/** Phases in which an interrupted workflow may have left databases or clients half-way. */
const UNSAFE_PHASES = new Set(['cutting-over', 'rolling-back']);

/**
 * An execution that ends without reaching its Catch (stopped, timed out, or failed in a way no
 * Catch handles, such as a full history) keeps the migration lock until the lease expires, up to
 * two days. When EventBridge reports the end, this releases the lock, but only if that very
 * execution still holds it; the store's release is conditioned on owner and token, so a lock
 * another execution took in between is left alone.
 */
export async function releaseEndedExecution(
  ended: EndedExecution,
  ports: { readonly store: CheckpointStore; readonly notifier: Notifier },
): Promise<ExecutionEndedOutput> {
  const { migrationId, executionArn } = ended;
  const lock = await ports.store.getLock(migrationId);
  if (lock === undefined || lock.owner !== executionArn || lock.released) {
    return { action: 'ignored', reason: `the lock of migration "${migrationId}" is not held by ${executionArn}` };
  }
  const released = await ports.store.release(migrationId, { owner: lock.owner, token: lock.token, expiresAt: lock.expiresAt });
  if (!released) return { action: 'ignored', reason: `the lock of migration "${migrationId}" changed hands before it could be released` };

  const phase = (await ports.store.getState(migrationId))?.phase;
  const machine = ended.stateMachineArn?.split(':').pop();
  const advice =
    phase !== undefined && UNSAFE_PHASES.has(phase)
      ? `The migration was left in phase "${phase}": writes may still be frozen on a database and clients may point to either side. ` +
        'Check both databases and the switch before starting another workflow.'
      : 'Start the workflow again when ready: the migrate workflow resumes its run from the checkpoints.';
  const notified = await ports.notifier
    .notify({
      migrationId,
      event: 'execution-ended',
      subject: `Ferry ${migrationId}: ${machine ?? 'workflow'} execution ${ended.status.toLowerCase().replace('_', ' ')}, lock released`,
      message:
        `Execution ${executionArn}${machine === undefined ? '' : ` of ${machine}`} ${HOW[ended.status]} while it held the lock of migration "${migrationId}", ` +
        `without reaching its own failure handling. Ferry released the lock, so another execution can start.\n\n` +
        `${phase === undefined ? '' : `Phase now: ${phase}. `}${advice}`,
    })
    .then(
      () => true,
      (error: unknown) => {
        // The release is what matters; EventBridge would not deliver the event again anyway once it succeeded.
        logger.warn('execution-ended notification failed', { migrationId, executionArn, error: error as Error });
        return false;
      },
    );
  return { action: 'released', migrationId, executionArn, notified };
}
