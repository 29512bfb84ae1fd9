/**
 * Named errors. Step Functions `Retry` / `Catch` match on `error.name` (the Lambda runtime reports
 * it as the error type), so every class sets its own literal `name`, and renaming one is a breaking
 * change for the state machines. Messages are written for the operator reading the execution
 * history: what happened, and what to do about it.
 */

/** Base class of Ferry's own errors, so callers can tell them apart from library errors. */
export abstract class FerryError extends Error {
  abstract override readonly name: string;
}

/**
 * A failure that may succeed when simply tried again (throttling, a dropped connection). In-process
 * retries (`withRetry`) and the workflows' `Retry` blocks treat it as retryable.
 */
export class TransientError extends FerryError {
  override readonly name: string = 'TransientError';
  readonly retryable = true;
}

/** The one error name under which Step Functions sees every TransientError, subclasses included. */
export const TRANSIENT_ERROR_NAME = 'TransientError';

/**
 * What a step's error becomes on its way to Step Functions, which matches names, not classes. A
 * TransientError subclass becomes a plain TransientError: one Retrier entry then covers every
 * transient class, and a new subclass needs no change to the workflows. The subclass's name leads
 * the message (`DatabaseConnectionError: …`, which is what the Cause shows), and the original
 * error is its `cause`. Any other error is returned as it is: its name is what Catch matches.
 */
export function forStepFunctions(error: unknown): unknown {
  if (!(error instanceof TransientError) || error.name === TRANSIENT_ERROR_NAME) return error;
  const renamed = new TransientError(`${error.name}: ${error.message}`, { cause: error });
  // The thrower's frames, not this function's.
  const frames = error.stack?.indexOf('\n    at ') ?? -1;
  if (frames >= 0) renamed.stack = `${TRANSIENT_ERROR_NAME}: ${renamed.message}${error.stack!.slice(frames)}`;
  return renamed;
}

export class MigrationNotFoundError extends FerryError {
  override readonly name = 'MigrationNotFoundError';

  constructor(readonly migrationId: string) {
    super(
      `Migration "${migrationId}" has no state in the checkpoint table. Start the migrate workflow ` +
        `for it first (it creates the state), or check the migration id for typos.`,
    );
  }
}

/** An optimistic write was based on a version that someone else has since replaced. */
export class StaleVersionError extends FerryError {
  override readonly name = 'StaleVersionError';

  constructor(
    readonly migrationId: string,
    readonly expectedVersion: number,
    readonly actualVersion: number,
    readonly actualPhase: string,
  ) {
    super(
      `Migration "${migrationId}" changed since it was read: expected version ${expectedVersion}, ` +
        `found version ${actualVersion} (phase "${actualPhase}"). Another workflow or operator wrote ` +
        `it in between. Nothing was written; read the state again and decide with the current phase.`,
    );
  }
}

export class ForbiddenTransitionError extends FerryError {
  override readonly name = 'ForbiddenTransitionError';

  constructor(
    readonly migrationId: string,
    readonly from: string,
    readonly to: string,
    readonly allowed: readonly string[],
  ) {
    const targets = allowed.length > 0 ? allowed.map((p) => `"${p}"`).join(', ') : 'none';
    super(
      `Migration "${migrationId}" cannot go from phase "${from}" to "${to}". Allowed from "${from}": ` +
        `${targets}. Nothing was written; check that you started the right workflow for the ` +
        `current phase.`,
    );
  }
}

/** Another owner holds the migration's lock and its lease has not expired. */
export class LockHeldError extends FerryError {
  override readonly name = 'LockHeldError';

  constructor(
    readonly migrationId: string,
    readonly holder: string,
    readonly expiresAt: number,
    readonly requestedBy: string,
  ) {
    super(
      `Migration "${migrationId}" is locked by "${holder}" until ${new Date(expiresAt).toISOString()}; ` +
        `"${requestedBy}" could not take the lock. Only one workflow may work on a migration at a ` +
        `time: wait for "${holder}" to finish (or for its lease to expire if it died), then try again.`,
    );
  }
}

/**
 * The writer's lease is no longer valid: it expired, it was released, or another owner took the
 * lock over (a higher fencing token). Whatever the writer was about to do must not happen.
 */
export class LockLostError extends FerryError {
  override readonly name = 'LockLostError';

  constructor(
    readonly migrationId: string,
    readonly owner: string,
    readonly token: number,
    readonly detail: string,
  ) {
    super(
      `Migration "${migrationId}": the lock held by "${owner}" with fencing token ${token} is no ` +
        `longer valid (${detail}). The write was rejected. Stop this workflow; another one may be ` +
        `working on the migration now. Inspect the state before starting again.`,
    );
  }
}

export class StepOutputTooLargeError extends FerryError {
  override readonly name = 'StepOutputTooLargeError';

  constructor(
    readonly runId: string,
    readonly step: string,
    readonly bytes: number,
    readonly limitBytes: number,
  ) {
    super(
      `Step "${step}" of run "${runId}" returned ${bytes} bytes of JSON; a checkpointed step output ` +
        `is limited to ${limitBytes} bytes. The step's work is done but was not recorded, so it will ` +
        `run again. Return a summary (counts, ids) and store bulky results as a report instead.`,
    );
  }
}

export class StepOutputNotSerializableError extends FerryError {
  override readonly name = 'StepOutputNotSerializableError';

  constructor(
    readonly runId: string,
    readonly step: string,
    cause: unknown,
  ) {
    super(
      `Step "${step}" of run "${runId}" returned a value that is not JSON (${describe(cause)}). ` +
        `Step outputs are stored as JSON so that a re-run can return them; return plain ` +
        `objects, arrays, strings, finite numbers, booleans and null (no BigInt, no cycles).`,
      { cause },
    );
  }
}

export class ReportTooLargeError extends FerryError {
  override readonly name = 'ReportTooLargeError';

  constructor(
    readonly migrationId: string,
    readonly kind: string,
    readonly compressedBytes: number,
    readonly limitBytes: number,
  ) {
    super(
      `The "${kind}" report of migration "${migrationId}" is ${compressedBytes} bytes even after ` +
        `gzip; the checkpoint table stores at most ${limitBytes} bytes per report. Nothing was ` +
        `stored. Keep per-row details out of the report (store counts and the first differences).`,
    );
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
