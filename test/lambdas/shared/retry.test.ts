import { describe, expect, it, vi } from 'vitest';
import { TransientError } from '../../../lambdas/shared/errors';
import { backoffDelay, isTransientAwsError, withRetry } from '../../../lambdas/shared/retry';
import { awsErrors } from '../../helpers/aws-errors';

/** A policy whose backoff takes no time and whose jitter is fixed, so delays can be asserted. */
function instantPolicy(overrides: Parameters<typeof withRetry>[1] = {}) {
  const sleep = vi.fn(async (_ms: number) => undefined);
  return { sleep, policy: { sleep, random: () => 0.5, baseDelayMs: 100, maxDelayMs: 1000, ...overrides } };
}

/** fn that fails with the given errors in turn, then returns 'ok'. */
function failingThen(...errors: unknown[]) {
  return vi.fn(async () => {
    const next = errors.shift();
    if (next !== undefined) throw next;
    return 'ok';
  });
}

describe('withRetry', () => {
  it('returns the first success without backing off', async () => {
    // Prepare
    const { sleep, policy } = instantPolicy();
    const fn = failingThen();

    // Act
    const result = await withRetry(fn, policy);

    // Assess
    expect(result).toBe('ok');
    expect(fn).toHaveBeenCalledTimes(1);
    expect(sleep).not.toHaveBeenCalled();
  });

  it('retries transient errors with exponential backoff and full jitter, then succeeds', async () => {
    // Prepare
    const { sleep, policy } = instantPolicy({ maxAttempts: 5 });
    const fn = failingThen(awsErrors.throttling(), awsErrors.provisionedThroughputExceeded(), awsErrors.internalServerError());

    // Act
    const result = await withRetry(fn, policy);

    // Assess: random() = 0.5 of caps 100, 200, 400
    expect(result).toBe('ok');
    expect(fn).toHaveBeenCalledTimes(4);
    expect(sleep.mock.calls.map(([ms]) => ms)).toEqual([50, 100, 200]);
  });

  it('never waits longer than maxDelayMs', () => {
    // Act
    const delays = [1, 2, 3, 4, 5, 6, 10, 40].map((attempt) => backoffDelay(attempt, 100, 1000, () => 0.999_999));

    // Assess
    expect(delays).toEqual([99, 199, 399, 799, 999, 999, 999, 999]);
  });

  it('draws each delay uniformly from zero up to the cap', () => {
    // Act
    const lowest = backoffDelay(3, 100, 1000, () => 0);
    const highest = backoffDelay(3, 100, 1000, () => 0.999_999);

    // Assess
    expect(lowest).toBe(0);
    expect(highest).toBe(399);
  });

  it('does not retry a non-transient error', async () => {
    // Prepare
    const { sleep, policy } = instantPolicy();
    const conditionFailed = awsErrors.conditionalCheckFailed();
    const fn = failingThen(conditionFailed);

    // Act
    const attempt = withRetry(fn, policy);

    // Assess
    await expect(attempt).rejects.toBe(conditionFailed);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(sleep).not.toHaveBeenCalled();
  });

  it('gives up after maxAttempts with the error fn threw, unwrapped', async () => {
    // Prepare
    const { sleep, policy } = instantPolicy({ maxAttempts: 3 });
    const errors = [awsErrors.throttling(), awsErrors.throttling(), awsErrors.throttling()];
    const fn = failingThen(...errors);

    // Act
    const attempt = withRetry(fn, policy);

    // Assess
    await expect(attempt).rejects.toBe(errors[2]);
    expect(fn).toHaveBeenCalledTimes(3);
    expect(sleep).toHaveBeenCalledTimes(2);
  });

  it("retries Ferry's own TransientError by default", async () => {
    // Prepare
    class ReplicaCatchingUpError extends TransientError {
      override readonly name = 'ReplicaCatchingUpError';
    }
    const { policy } = instantPolicy();
    const fn = failingThen(new ReplicaCatchingUpError('lag 12 s'));

    // Act
    const result = await withRetry(fn, policy);

    // Assess
    expect(result).toBe('ok');
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it('uses a custom isRetryable and reports each retry', async () => {
    // Prepare
    const onRetry = vi.fn();
    const { policy } = instantPolicy({ isRetryable: (e) => e instanceof RangeError, onRetry });
    const fn = failingThen(new RangeError('not yet'));

    // Act
    await withRetry(fn, policy);

    // Assess
    expect(onRetry).toHaveBeenCalledWith({ attempt: 1, delayMs: 50, error: expect.any(RangeError) });
  });

  it('passes the attempt number to fn', async () => {
    // Prepare
    const { policy } = instantPolicy();
    const seen: number[] = [];

    // Act
    await withRetry(async (attempt) => {
      seen.push(attempt);
      if (attempt < 3) throw awsErrors.throttling();
    }, policy);

    // Assess
    expect(seen).toEqual([1, 2, 3]);
  });
});

describe('isTransientAwsError', () => {
  const networkError = (code: string) => Object.assign(new Error(`connect ${code} 10.0.0.1:443`), { code });
  const named = (name: string, extra: object = {}) => Object.assign(new Error(name), { name, ...extra });

  it.each([
    ['ThrottlingException', awsErrors.throttling()],
    ['ProvisionedThroughputExceededException', awsErrors.provisionedThroughputExceeded()],
    ['RequestLimitExceeded', named('RequestLimitExceeded', { $metadata: { httpStatusCode: 400 } })],
    ['InternalServerError (500)', awsErrors.internalServerError()],
    ['ServiceUnavailable (503)', awsErrors.serviceUnavailable()],
    ['an unmodelled 502', named('UnknownError', { $metadata: { httpStatusCode: 502 } })],
    ['a 429', named('UnknownError', { $metadata: { httpStatusCode: 429 } })],
    ['an error the SDK marks $retryable', named('SomethingNew', { $retryable: { throttling: false } })],
    ['TimeoutError', named('TimeoutError')],
    ['ECONNRESET', networkError('ECONNRESET')],
    ['ECONNREFUSED', networkError('ECONNREFUSED')],
    ['EPIPE', networkError('EPIPE')],
    ['ETIMEDOUT', networkError('ETIMEDOUT')],
    ['a network error wrapped as a cause', new Error('request failed', { cause: networkError('ECONNRESET') })],
  ])('treats %s as transient', (_label, error) => {
    expect(isTransientAwsError(error)).toBe(true);
  });

  it.each([
    ['ConditionalCheckFailedException', awsErrors.conditionalCheckFailed()],
    ['ValidationException', awsErrors.validation()],
    ['ValidationException even with a 5xx status', named('ValidationException', { $metadata: { httpStatusCode: 500 } })],
    ['a plain Error', new Error('bug')],
    ['a TypeError', new TypeError('x is undefined')],
    ['a string', 'ThrottlingException'],
    ['undefined', undefined],
    ['null', null],
  ])('does not treat %s as transient', (_label, error) => {
    expect(isTransientAwsError(error)).toBe(false);
  });
});
