import { describe, expect, it } from 'vitest';
import {
  FerryError,
  ForbiddenTransitionError,
  LockHeldError,
  LockLostError,
  MigrationNotFoundError,
  ReportTooLargeError,
  StaleVersionError,
  StepOutputNotSerializableError,
  StepOutputTooLargeError,
  TransientError,
} from '../../../lambdas/shared/errors';

describe('named errors', () => {
  it.each([
    ['TransientError', new TransientError('try again')],
    ['MigrationNotFoundError', new MigrationNotFoundError('orders')],
    ['StaleVersionError', new StaleVersionError('orders', 3, 4, 'ready')],
    ['ForbiddenTransitionError', new ForbiddenTransitionError('orders', 'new', 'ready', ['replicating', 'aborted'])],
    ['LockHeldError', new LockHeldError('orders', 'exec-1', Date.UTC(2030, 0, 1), 'exec-2')],
    ['LockLostError', new LockLostError('orders', 'exec-1', 7, 'the lease expired')],
    ['StepOutputTooLargeError', new StepOutputTooLargeError('run-1', 'compare', 500_000, 358_400)],
    ['StepOutputNotSerializableError', new StepOutputNotSerializableError('run-1', 'count', new TypeError('BigInt'))],
    ['ReportTooLargeError', new ReportTooLargeError('orders', 'comparison', 500_000, 389_120)],
  ])('%s carries its class name, which Step Functions Retry/Catch match on', (name, error) => {
    expect(error.name).toBe(name);
    expect(error.constructor.name).toBe(name);
    expect(error).toBeInstanceOf(FerryError);
    expect(error).toBeInstanceOf(Error);
    expect(String(error)).toMatch(new RegExp(`^${name}: `));
  });

  it('keeps a subclass name on errors derived from TransientError', () => {
    // Prepare
    class LagTooHighError extends TransientError {
      override readonly name = 'LagTooHighError';
    }

    // Act
    const error = new LagTooHighError('lag 30 s');

    // Assess
    expect(error.name).toBe('LagTooHighError');
    expect(error.retryable).toBe(true);
    expect(error).toBeInstanceOf(TransientError);
  });

  it('names from, to and the allowed targets in a forbidden transition', () => {
    // Act
    const error = new ForbiddenTransitionError('orders', 'cut-over', 'ready', ['rolling-back']);

    // Assess
    expect(error.message).toBe(
      'Migration "orders" cannot go from phase "cut-over" to "ready". Allowed from "cut-over": ' +
        '"rolling-back". Nothing was written; check that you started the right workflow for the current phase.',
    );
  });

  it('names the holder and the expiry of a held lock', () => {
    // Act
    const error = new LockHeldError('orders', 'arn:aws:states:eu-west-1:123456789012:execution:migrate:1', Date.UTC(2030, 0, 1), 'exec-2');

    // Assess
    expect(error.message).toContain('locked by "arn:aws:states:eu-west-1:123456789012:execution:migrate:1"');
    expect(error.message).toContain('until 2030-01-01T00:00:00.000Z');
  });

  it('tells the operator what to do about a stale version', () => {
    // Act
    const error = new StaleVersionError('orders', 3, 5, 'cutting-over');

    // Assess
    expect(error.message).toContain('expected version 3, found version 5 (phase "cutting-over")');
    expect(error.message).toContain('read the state again');
  });
});
