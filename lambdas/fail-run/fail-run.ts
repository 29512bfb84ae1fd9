import { FAILURE_REPORT_KIND, type FailureReport, type LockOutcome } from '../shared/catalog/reports';
import type { MigrationConfig } from '../shared/migration-config';
import type { CheckpointStore, Lease } from '../shared/checkpoints';
import type { Notifier } from '../shared/notifier';
import { logger } from '../shared/observability';
import { readableError, type ReadableError } from './cause';

export type { FailureReport, LockOutcome };

export interface FailRunInput {
  readonly workflow: string;
  readonly executionId: string;
  /** The whole workflow state at the failure: `$.error` from the Catch, plus what earlier steps returned. */
  readonly state: {
    readonly error?: { readonly Error?: unknown; readonly Cause?: unknown };
    readonly run?: { readonly migrationId: string; readonly runId?: string };
    readonly lease?: Lease;
    readonly [key: string]: unknown;
  };
}

export interface FailRunOutput extends ReadableError {
  readonly migrationId?: string;
  readonly lock?: LockOutcome;
  /** Sort key of the `failure` report, when it was stored. */
  readonly reportKey?: string;
  readonly notified?: boolean;
  /** Side effects that did not work out (they are also in the log). */
  readonly problems?: readonly string[];
}

export { FAILURE_REPORT_KIND };

/** Fields of the state that hold no step result: the Catch's own output and the workflow's input. */
const NOT_RESULTS = new Set(['error', 'failure', 'failureReportError']);

/**
 * Step results are objects (or lists of objects); a workflow's input fields are ids, flags,
 * numbers and lists of names. So the object-valued fields are the steps that had finished.
 */
export function finishedSteps(state: FailRunInput['state']): string[] {
  return Object.keys(state).filter((k) => {
    const v = state[k];
    if (NOT_RESULTS.has(k) || typeof v !== 'object' || v === null) return false;
    return !Array.isArray(v) || v.some((item) => typeof item === 'object' && item !== null);
  });
}

export interface FailRunPorts {
  readonly store: CheckpointStore;
  readonly notifier: Notifier;
  readonly now: () => number;
  /** The migration's configuration, to name its databases (host, port, database); an unknown id throws. */
  readonly migration?: (migrationId: string) => MigrationConfig;
}

/**
 * A workflow's last Task before its Fail state. Turns `$.error` into an error name and a readable
 * cause for the Fail state and, when the migration is known: releases the lock if this execution
 * holds it (never another owner's: the execution rejected with LockHeldError holds none), stores a
 * `failure` report and notifies `workflow-failed`. Each side effect is best effort: one that
 * fails is logged and named in the output and the notification, and never hides the original
 * error. If the lock stays held, the execution-ended function releases it when the execution ends.
 */
export async function failRun(input: FailRunInput, ports: FailRunPorts): Promise<FailRunOutput> {
  const readable = readableError(input.state.error);
  const migrationId = input.state.run?.migrationId;
  if (migrationId === undefined) return readable;
  const runId = input.state.run?.runId;
  const problems: string[] = [];
  const attempt = async <T>(what: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (error) {
      problems.push(`${what}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
      logger.warn(`fail-run: ${what}`, { migrationId, executionId: input.executionId, error: error as Error });
      return undefined;
    }
  };

  const lock = (await attempt('releasing the lock failed', () => releaseOwnLock(ports.store, migrationId, input.executionId, input.state.lease))) ?? 'release-failed';
  const report: FailureReport = {
    workflow: input.workflow,
    executionId: input.executionId,
    ...(runId === undefined ? {} : { runId }),
    ...readable,
    at: new Date(ports.now()).toISOString(),
    failedAfter: finishedSteps(input.state),
    lock,
  };
  const receipt = await attempt('storing the failure report failed', () => ports.store.putReport(migrationId, FAILURE_REPORT_KIND, report));
  const phase = (await attempt('reading the phase failed', () => ports.store.getState(migrationId)))?.phase;
  const frozen = (await attempt('reading the write freezes failed', () => frozenDatabases(ports, migrationId))) ?? [];
  const notified = await attempt('the notification failed', async () => {
    await ports.notifier.notify({
      migrationId,
      event: 'workflow-failed',
      subject: `Ferry ${migrationId}: ${input.workflow} workflow failed (${readable.error})`,
      message: failureMessage({ ...report, migrationId, phase, frozen, reportKey: receipt?.sk, problems }),
    });
    return true;
  });
  return {
    ...readable,
    migrationId,
    lock,
    ...(receipt === undefined ? {} : { reportKey: receipt.sk }),
    notified: notified ?? false,
    ...(problems.length === 0 ? {} : { problems }),
  };
}

/**
 * Releases the lock only if this execution holds it: with the lease from the state, or, when the
 * state has none (an acquire that landed but whose answer was lost), the stored lock if its owner
 * is this execution. The store's release is conditioned on owner and token, so a lock another
 * owner took over in the meantime is left alone.
 */
async function releaseOwnLock(store: CheckpointStore, migrationId: string, executionId: string, lease: Lease | undefined): Promise<LockOutcome> {
  let ours: Lease | undefined = lease?.owner === executionId ? lease : undefined;
  if (ours === undefined) {
    const stored = await store.getLock(migrationId);
    if (stored !== undefined && stored.owner === executionId && !stored.released) ours = { owner: stored.owner, token: stored.token, expiresAt: stored.expiresAt };
  }
  if (ours === undefined) return 'not-held';
  return (await store.release(migrationId, ours)) ? 'released' : 'not-held';
}

interface MessageFacts extends FailureReport {
  readonly migrationId: string;
  readonly phase: string | undefined;
  /** One line per database whose writes are frozen now. */
  readonly frozen: readonly string[];
  readonly reportKey: string | undefined;
  readonly problems: readonly string[];
}

const LOCK_TEXT: Record<LockOutcome, string> = {
  released: 'This execution released the migration lock.',
  'not-held': 'This execution did not hold the migration lock (or it was released already), so the lock was left alone.',
  'release-failed': 'The migration lock could not be released now; it is released when the execution ends (execution-ended) or when its lease expires.',
};

function failureMessage(f: MessageFacts): string {
  const lines = [
    `The ${f.workflow} workflow of migration "${f.migrationId}" failed with ${f.error}:`,
    '',
    f.cause,
    '',
    `What to do: ${nextSteps(f)}`,
    '',
    `Execution: ${f.executionId}`,
    ...(f.runId === undefined ? [] : [`Run: ${f.runId}`]),
    `Finished before the failure: ${f.failedAfter.join(', ') || 'nothing'}`,
    ...(f.phase === undefined ? [] : [`Phase now: ${f.phase}`]),
    ...(f.frozen.length === 0 ? ['Writes are frozen on neither database.'] : f.frozen.map((line) => `Writes frozen: ${line}`)),
    LOCK_TEXT[f.lock],
    ...(f.reportKey === undefined ? [] : [`Failure report: ${f.reportKey}`]),
    ...f.problems.map((p) => `Not done: ${p}`),
  ];
  return lines.join('\n');
}

function nextSteps(f: MessageFacts): string {
  const input = `{"migrationId": "${f.migrationId}"}`;
  if (f.error === 'LockHeldError') {
    return (
      'another execution holds the migration lock (named above): it is still running, or it died without releasing the lock. ' +
      'Wait for it to finish, or stop it in the Step Functions console (its lock is then released); then start again. ' +
      'This execution changed nothing.'
    );
  }
  // The rollback execution-ended started for an interrupted workflow: nothing starts another (or they would start each other forever).
  const automatic = (f.executionId.split(':').pop() ?? '').startsWith('after-');
  if ((f.phase === 'cutting-over' || f.phase === 'rolling-back') && automatic) {
    return (
      `the migration was left in phase "${f.phase}"${f.frozen.length > 0 ? ' with writes frozen' : ''}, and this was the rollback Ferry started by itself ` +
      `after an interrupted workflow, so Ferry starts no other: fix the cause above, then start the rollback workflow now with ` +
      `{"migrationId": "${f.migrationId}", "reason": "finish the interrupted ${f.workflow}"}.`
    );
  }
  if (f.phase === 'cutting-over' || f.phase === 'rolling-back') {
    return (
      `the migration was left in phase "${f.phase}"${f.frozen.length > 0 ? ' with writes frozen' : ''}. Once this execution has ended, Ferry starts the ` +
      `rollback workflow by itself (once) to finish the job: it backs a half-done cutover out to "ready", or completes the rollback. ` +
      `If no rollback execution named "after-..." starts within five minutes, start the rollback workflow yourself with ` +
      `{"migrationId": "${f.migrationId}", "reason": "finish the interrupted ${f.workflow}"}.`
    );
  }
  if (f.error === 'ComparisonFailedError' || f.error === 'FinalComparisonFailedError') return 'see the message above.';
  if (f.workflow === 'migrate') {
    return (
      `fix the cause above, then start the migrate workflow again with ${input}: it resumes` +
      `${f.runId === undefined ? '' : ` run "${f.runId}"`} and skips the steps that finished. ` +
      `Add "restart": true to start a new run from the beginning instead.`
    );
  }
  if (f.workflow === 'finish' && f.phase === 'cut-over') {
    return `fix the cause above, then start the finish workflow again with ${input} (add "force": true inside the observation window).`;
  }
  return `fix the cause above, then start the ${f.workflow} workflow again with ${input}.`;
}

/** The databases of the migration whose writes a freeze holds now (`freezing` counts: it may have begun). */
async function frozenDatabases(ports: FailRunPorts, migrationId: string): Promise<string[]> {
  const lines: string[] = [];
  let migration: MigrationConfig | undefined;
  try {
    migration = ports.migration?.(migrationId);
  } catch {
    migration = undefined;
  }
  for (const side of ['source', 'target'] as const) {
    const record = await ports.store.getFreeze(migrationId, side);
    if (record === undefined || record.status === 'thawed') continue;
    const where = migration === undefined ? '' : ` (${migration[side].host}:${migration[side].port}/${migration[side].database})`;
    lines.push(
      `the ${side} database${where}, ${record.status} since ${new Date(record.frozenAt).toISOString()} by run ${record.runId} ` +
        `(${record.method}; roles ${record.roles.join(', ') || 'none'})`,
    );
  }
  return lines;
}
