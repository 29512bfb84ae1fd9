import { TRANSIENT_ERROR_NAME } from '../../lambdas/shared/errors';

/**
 * The Retry policies of Ferry's workflows, each named once. Every Task retries the Lambda service
 * errors and Ferry's transient errors; which policy a Task uses is the only thing its source says.
 */

/** The errors AWS recommends retrying on every Lambda task: the service's, not the function's. */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
] as const;

/**
 * The transient errors, by the one name Step Functions sees for them: the handler wrapper
 * (lambdas/shared/handler.ts, `forStepFunctions`) reports every TransientError subclass as
 * TransientError, naming the subclass in the Cause. A new transient class needs no change here.
 */
export const TRANSIENT_ERRORS = [TRANSIENT_ERROR_NAME] as const;

/** One Retrier, keys in the order the files show them (a type, so that it is Json). */
export type Retrier = {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds: number;
  readonly MaxAttempts: number;
  readonly BackoffRate: number;
  readonly MaxDelaySeconds: number;
  readonly JitterStrategy: 'FULL' | 'NONE';
};

function retrier(errors: readonly string[], intervalSeconds: number, maxAttempts: number, maxDelaySeconds: number): Retrier {
  return {
    ErrorEquals: errors,
    IntervalSeconds: intervalSeconds,
    MaxAttempts: maxAttempts,
    BackoffRate: 2,
    MaxDelaySeconds: maxDelaySeconds,
    JitterStrategy: 'FULL',
  };
}

export const RETRY_POLICIES = {
  /** Every Task but the freeze-window ones: Lambda errors 2 s x 6 (at most 60 s apart), transient errors 5 s x 5 (at most 120 s). */
  standard: [retrier(LAMBDA_SERVICE_ERRORS, 2, 6, 60), retrier(TRANSIENT_ERRORS, 5, 5, 120)],
  /**
   * The steps while writes are frozen (cutover: freeze the source, drain, sequences, final
   * comparison, reverse replication, switch, thaw; rollback: drain, final comparison, sequences,
   * switch): writes wait through every retry, so Lambda errors 1 s x 3 and transient errors
   * 1 s x 2, never more than 4 s apart.
   */
  fast: [retrier(LAMBDA_SERVICE_ERRORS, 1, 3, 4), retrier(TRANSIENT_ERRORS, 1, 2, 4)],
} as const satisfies Record<string, readonly Retrier[]>;

export type RetryPolicyName = keyof typeof RETRY_POLICIES;
