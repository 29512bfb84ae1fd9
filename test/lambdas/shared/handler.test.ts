import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type * as HandlerModule from '../../../lambdas/shared/handler';
import type * as ErrorsModule from '../../../lambdas/shared/errors';
import { NO_DEADLINE, type StepRuntime } from '../../../lambdas/shared/runtime';

/** A runtime whose ports are never reached: the steps here read only `deadline()`. */
function fakeRuntime(): StepRuntime {
  return {
    get store(): never {
      throw new Error('the store is created lazily and not here');
    },
    now: Date.now,
    deadline: () => NO_DEADLINE,
  } as unknown as StepRuntime;
}

const context = {
  awsRequestId: 'req-42',
  functionName: 'Ferry-test-finish',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:Ferry-test-finish',
  memoryLimitInMB: '512',
  getRemainingTimeInMillis: () => 120_000,
};

describe('stepHandler', () => {
  let stepHandler: typeof HandlerModule.stepHandler;
  let contextStepHandler: typeof HandlerModule.contextStepHandler;
  // From the same fresh module graph as the handler, so that instanceof holds.
  let TransientError: typeof ErrorsModule.TransientError;
  let MigrationNotFoundError: typeof ErrorsModule.MigrationNotFoundError;
  let lines: Array<Record<string, unknown>>;

  beforeAll(async () => {
    // Powertools prints through the global console in dev mode: read its lines from there.
    vi.stubEnv('POWERTOOLS_DEV', 'true');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO');
    vi.resetModules();
    ({ stepHandler, contextStepHandler } = await import('../../../lambdas/shared/handler'));
    ({ TransientError, MigrationNotFoundError } = await import('../../../lambdas/shared/errors'));
    return () => vi.unstubAllEnvs();
  });

  const capture = () => {
    lines = [];
    for (const level of ['info', 'warn', 'error'] as const) {
      vi.spyOn(console, level).mockImplementation((text: unknown) => void lines.push(JSON.parse(String(text)) as Record<string, unknown>));
    }
  };
  afterEach(() => vi.restoreAllMocks());

  it('returns the output, logs it once with the Lambda context, and gives the step a deadline from the remaining time', async () => {
    capture();
    let deadline = 0;
    const handler = stepHandler(
      'finish',
      async (event, runtime) => {
        deadline = runtime.deadline();
        return { migrationId: (event as { migrationId: string }).migrationId, finished: true };
      },
      { runtime: fakeRuntime },
    );
    const before = Date.now();
    const output = await handler({ migrationId: 'orders' }, context);
    const after = Date.now();

    expect(output).toEqual({ migrationId: 'orders', finished: true });
    // 120 s remaining less the default 10 s margin.
    expect(deadline).toBeGreaterThanOrEqual(before + 110_000);
    expect(deadline).toBeLessThanOrEqual(after + 110_000);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'INFO',
      message: 'finish',
      output: { migrationId: 'orders', finished: true },
      function_request_id: 'req-42',
      function_name: 'Ferry-test-finish',
      function_arn: context.invokedFunctionArn,
    });
  });

  it('takes the safety margin given, and never a deadline before now', async () => {
    const deadlines: number[] = [];
    const handler = stepHandler('compare', async (_event, runtime) => void deadlines.push(runtime.deadline()), { runtime: fakeRuntime, safetyMarginMs: 60_000, log: () => undefined });
    const before = Date.now();
    await handler({}, { getRemainingTimeInMillis: () => 900_000 });
    await handler({}, { getRemainingTimeInMillis: () => 30_000 });
    const after = Date.now();
    expect(deadlines[0]).toBeGreaterThanOrEqual(before + 840_000);
    expect(deadlines[0]).toBeLessThanOrEqual(after + 840_000);
    expect(deadlines[1]).toBeGreaterThanOrEqual(before);
    expect(deadlines[1]).toBeLessThanOrEqual(after);
  });

  it('has no deadline without a context (locally, in the handler tests)', async () => {
    let deadline = 0;
    const handler = stepHandler('lock', async (_event, runtime) => void (deadline = runtime.deadline()), { runtime: fakeRuntime, log: () => undefined });
    await handler({});
    expect(deadline).toBe(NO_DEADLINE);
    expect(new Date(deadline).getUTCFullYear()).toBe(275760);
  });

  it('logs through the step’s own log function instead, once', async () => {
    capture();
    const log = vi.fn();
    const handler = stepHandler('list-tables', async () => ({ count: 3 }), { runtime: fakeRuntime, log });
    await handler({}, context);
    expect(log).toHaveBeenCalledTimes(1);
    expect(log).toHaveBeenCalledWith({ count: 3 });
    expect(lines).toEqual([]);
  });

  it('hands the step only the event and the runtime, and a context step the context too', async () => {
    const seen: unknown[][] = [];
    await stepHandler('drain', async (...args: unknown[]) => void seen.push(args), { runtime: fakeRuntime, log: () => undefined })({}, context);
    await contextStepHandler('verify-changes', async (_event, _runtime, ctx) => void seen.push([ctx?.awsRequestId]), { runtime: fakeRuntime, log: () => undefined })({}, context);
    expect(seen[0]).toHaveLength(2);
    expect(seen[1]).toEqual(['req-42']);
  });

  it('does not reach the runtime’s lazy ports', async () => {
    const handler = stepHandler('lock', async (_event, runtime) => runtime.now() > 0, { runtime: fakeRuntime, log: () => undefined });
    await expect(handler({})).resolves.toBe(true);
  });

  it('rethrows a step error unchanged: the same object, name and cause, and logs no output', async () => {
    capture();
    const error = new MigrationNotFoundError('orders');
    const handler = stepHandler('set-phase', async () => Promise.reject(error), { runtime: fakeRuntime });
    const thrown = await handler({}, context).catch((e: unknown) => e);
    expect(thrown).toBe(error);
    expect(lines).toEqual([]);
  });

  it('rethrows a TransientError subclass as TransientError, the subclass named in the message and kept as the cause', async () => {
    class SomeTransientError extends TransientError {
      override readonly name = 'SomeTransientError';
    }
    const error = new SomeTransientError('try again');
    const handler = stepHandler('set-phase', async () => Promise.reject(error), { runtime: fakeRuntime });
    const thrown = await handler({}, context).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(TransientError);
    expect(thrown).toMatchObject({ name: 'TransientError', message: 'SomeTransientError: try again', retryable: true, cause: error });
    expect((thrown as Error).stack).toMatch(/^TransientError: SomeTransientError: try again\n {4}at .*handler\.test\.ts/);
  });

  it('rethrows a plain TransientError as it is', async () => {
    const error = new TransientError('busy');
    const handler = stepHandler('set-phase', async () => Promise.reject(error), { runtime: fakeRuntime });
    await expect(handler({}, context)).rejects.toBe(error);
  });
});
