import type { CheckpointStore, VerificationLease } from '../checkpoints';
import { TransientError } from '../errors';

/** Another round (or a cutover's check) holds the verification lease past the wait: try again. */
export class VerificationBusyError extends TransientError {
  override readonly name = 'VerificationBusyError';
}

/**
 * How long a workflow's step waits for the verification lease a scheduled round holds: rounds
 * take seconds and stop by their own deadline, so a longer wait means something is stuck. Past it
 * the step throws VerificationBusyError and the workflow's Retry tries again. One value for every
 * waiting step (start-capture, comparison-verdict, verify-changes, stop-replication, finish); not
 * in the config, since it bounds a wait inside one Lambda invocation, not an operator's choice.
 */
export const WORKFLOW_LEASE_WAIT_MS = 120_000;

export interface LeaseOptions {
  /** Who holds it: an execution ARN, or `schedule:<request id>`. */
  readonly owner: string;
  /** How long the lease lasts: longer than the work it guards, short enough that a crashed holder's lease comes back. */
  readonly leaseMs: number;
  /** How long to wait for a lease another holds; 0 gives up at once. */
  readonly waitMs: number;
  readonly pollMs?: number;
}

/**
 * Runs `fn` holding the migration's verification lease, and releases it afterwards (also when
 * `fn` throws). Returns undefined, without calling `fn`, when the lease stayed taken for `waitMs`
 * and `waitMs` is 0 (a scheduled round skips); throws VerificationBusyError when a positive wait
 * ran out.
 */
export async function withVerificationLease<T>(
  store: CheckpointStore,
  migrationId: string,
  options: LeaseOptions,
  fn: (lease: VerificationLease) => Promise<T>,
): Promise<T | undefined> {
  const until = Date.now() + options.waitMs;
  for (;;) {
    const attempt = await store.acquireVerificationLease(migrationId, options.owner, options.leaseMs);
    if (attempt.acquired) {
      try {
        return await fn(attempt.lease);
      } finally {
        await store.releaseVerificationLease(migrationId, attempt.lease).catch(() => undefined);
      }
    }
    if (options.waitMs === 0) return undefined;
    if (Date.now() >= until) {
      throw new VerificationBusyError(
        `The verification of migration "${migrationId}" is held by "${attempt.holder}" until ${new Date(attempt.expiresAt).toISOString()}; ` +
          `waited ${options.waitMs / 1000} s. A verification round normally takes seconds: the step is tried again.`,
      );
    }
    await new Promise((r) => setTimeout(r, Math.min(options.pollMs ?? 250, Math.max(0, until - Date.now()))));
  }
}
