import type { CheckpointStore } from '../shared/checkpoints';
import type { Notifier } from '../shared/notifier';
import { logger } from '../shared/observability';
import { rollbackExecutionName, type RollbackStarter } from '../shared/rollback-starter';

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
  | {
      readonly action: 'released' | 'rollback-started';
      readonly migrationId: string;
      readonly executionArn: string;
      readonly notified: boolean;
      /** The rollback execution started to finish what the ended one left half-way. */
      readonly rollback?: string;
    }
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
  ports: { readonly store: CheckpointStore; readonly notifier: Notifier; readonly rollbacks: RollbackStarter },
): Promise<ExecutionEndedOutput> {
  const { migrationId, executionArn } = ended;
  const lock = await ports.store.getLock(migrationId);
  const holds = lock !== undefined && lock.owner === executionArn && !lock.released;
  if (holds) {
    const released = await ports.store.release(migrationId, { owner: lock.owner, token: lock.token, expiresAt: lock.expiresAt });
    if (!released) return { action: 'ignored', reason: `the lock of migration "${migrationId}" changed hands before it could be released` };
  }
  const phase = (await ports.store.getState(migrationId))?.phase;
  const free = holds || lock === undefined || lock.released;
  // A failed cutover whose back-out failed too has released its lock already, yet may leave writes frozen.
  const unsafe = free && phase !== undefined && UNSAFE_PHASES.has(phase);
  if (!holds && !unsafe) return { action: 'ignored', reason: `the lock of migration "${migrationId}" is not held by ${executionArn}` };

  const machine = ended.stateMachineArn?.split(':').pop();
  // A cutover or rollback that ended half-way may leave writes frozen: the rollback workflow
  // finishes the job (backs a cutover out to `ready`, or completes the rollback), so that a frozen
  // database never waits for a person. Only once: a rollback that this started and that ended
  // half-way again is left to the operator, or the two would start each other forever.
  let rollback: string | undefined;
  let advice = 'Start the workflow again when ready: the migrate workflow resumes its run from the checkpoints.';
  const endedName = executionArn.split(':').pop() ?? executionArn;
  if (unsafe && !endedName.startsWith(AUTOMATIC_PREFIX)) {
    try {
      rollback = await ports.rollbacks.startRollback(rollbackExecutionName(executionArn), {
        migrationId,
        reason: `execution ${endedName} ${HOW[ended.status]} in phase ${phase}`,
      });
      advice = `The migration was left in phase "${phase}". Ferry started the rollback workflow (${rollback}) to finish it: watch that execution.`;
    } catch (error) {
      logger.error('could not start the rollback workflow', { migrationId, executionArn, error: error as Error });
      advice = manualAdvice(migrationId, phase!, `Ferry could not start the rollback workflow (${(error as Error).message})`);
    }
  } else if (unsafe) {
    advice = manualAdvice(migrationId, phase!, 'This was the rollback Ferry started by itself after an interrupted workflow, so it starts no other');
  }
  const frozen = await frozenSides(ports.store, migrationId);
  const notified = await ports.notifier
    .notify({
      migrationId,
      event: 'execution-ended',
      subject: `Ferry ${migrationId}: ${machine ?? 'workflow'} execution ${ended.status.toLowerCase().replace('_', ' ')}${holds ? ', lock released' : ''}`,
      message:
        (holds
          ? `Execution ${executionArn}${machine === undefined ? '' : ` of ${machine}`} ${HOW[ended.status]} while it held the lock of migration "${migrationId}", ` +
            `without reaching its own failure handling. Ferry released the lock, so another execution can start.\n\n`
          : `Execution ${executionArn}${machine === undefined ? '' : ` of ${machine}`} ${HOW[ended.status]} and left migration "${migrationId}" half-way.\n\n`) +
        `${phase === undefined ? '' : `Phase now: ${phase}. `}${frozen}${advice}`,
    })
    .then(
      () => true,
      (error: unknown) => {
        // The release is what matters; EventBridge would not deliver the event again anyway once it succeeded.
        logger.warn('execution-ended notification failed', { migrationId, executionArn, error: error as Error });
        return false;
      },
    );
  return { action: holds ? 'released' : 'rollback-started', migrationId, executionArn, notified, ...(rollback === undefined ? {} : { rollback }) };
}

/** Names of the rollback executions execution-ended starts. */
const AUTOMATIC_PREFIX = 'after-';

function manualAdvice(migrationId: string, phase: string, why: string): string {
  return (
    `The migration was left in phase "${phase}"; its clients may point to either side. ` +
    `${why}: start the rollback workflow now with {"migrationId": "${migrationId}", "reason": "finish the interrupted workflow"}.`
  );
}

/** Which databases' writes are frozen now, from the freeze records ("" when none, or when they cannot be read). */
async function frozenSides(store: CheckpointStore, migrationId: string): Promise<string> {
  try {
    const records = await Promise.all((['source', 'target'] as const).map((side) => store.getFreeze(migrationId, side)));
    const frozen = records.filter((r) => r !== undefined && r.status !== 'thawed');
    if (frozen.length === 0) return 'Writes are frozen on neither database. ';
    return `Writes are frozen on the ${frozen.map((r) => `${r!.side} (${r!.status} since ${new Date(r!.frozenAt).toISOString()}, run ${r!.runId})`).join(' and the ')}. `;
  } catch (error) {
    logger.warn('execution-ended: reading the freezes failed', { migrationId, error: error as Error });
    return '';
  }
}
