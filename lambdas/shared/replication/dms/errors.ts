import { TransientError } from '../../errors';

/**
 * DMS or CloudWatch kept throttling or failing on its side after our in-process retries. The
 * workflows' `Retry` blocks try the step again later.
 */
export class DmsTransientError extends TransientError {
  override readonly name = 'DmsTransientError';
}

/**
 * The replication lag cannot be told right now: the replication is not streaming changes, or
 * CloudWatch has no recent datapoint. Never read as "no lag": a guardrail that waits for a small
 * lag keeps waiting (the workflow retries this error) instead of cutting over blind.
 */
export class ReplicationLagUnknownError extends TransientError {
  override readonly name = 'ReplicationLagUnknownError';
}
