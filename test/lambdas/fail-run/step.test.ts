import { describe, expect, it, vi } from 'vitest';
import type { FailureReport } from '../../../lambdas/fail-run/fail-run';
import { failRunStep } from '../../../lambdas/fail-run/step';
import type { Lease } from '../../../lambdas/shared/checkpoints';
import { logger } from '../../../lambdas/shared/observability';
import { localRuntime, type LocalRuntime } from '../../../local/runtime';
import { useDynalite } from '../../helpers/dynalite';
import { ORDERS } from '../../helpers/migrations';

const FIRST = 'arn:aws:states:eu-west-1:123456789012:execution:Ferry-dev-migrate:first';
const SECOND = 'arn:aws:states:eu-west-1:123456789012:execution:Ferry-dev-migrate:second';
const LEASE_MS = 3_600_000;

/** The Cause of a Lambda error, as Step Functions puts it in the Catch's output. */
const lambdaCause = (errorType: string, errorMessage: string) => JSON.stringify({ errorType, errorMessage, trace: ['at x (file.js:1:1)'] });

const run = (executionId: string) => ({ migrationId: 'orders', runId: 'migrate-orders-first', owner: executionId, waive: [], polls: { fullLoad: 0, lag: 0 } });

describe('fail-run step', () => {
  const dynamo = useDynalite();
  const newRuntime = async (): Promise<LocalRuntime> => localRuntime({ store: await dynamo.newStore(), migrations: [ORDERS], secrets: {} });

  it('turns a Lambda error into its name and message, releases its own lock, stores a failure report and notifies', async () => {
    // Prepare
    const runtime = await newRuntime();
    const lease = await runtime.store.acquire('orders', FIRST, LEASE_MS);
    const message = 'Preflight found 1 blocking problem; the migration was not started.\n- replica-identity: public.events has no key';
    const state = {
      migrationId: 'orders',
      waive: [],
      run: run(FIRST),
      lease,
      error: { Error: 'PreflightFailedError', Cause: lambdaCause('PreflightFailedError', message) },
    };

    // Act
    const output = await failRunStep({ workflow: 'migrate', executionId: FIRST, state }, runtime);

    // Assess
    expect(output).toMatchObject({ error: 'PreflightFailedError', cause: message, migrationId: 'orders', lock: 'released', notified: true });
    expect(output).not.toHaveProperty('problems');
    expect(await runtime.store.getLock('orders')).toMatchObject({ owner: FIRST, released: true });
    const report = await runtime.store.latestReport<FailureReport>('orders', 'failure');
    expect(report?.report).toEqual({
      workflow: 'migrate',
      executionId: FIRST,
      runId: 'migrate-orders-first',
      error: 'PreflightFailedError',
      cause: message,
      at: expect.any(String),
      failedAfter: ['run', 'lease'],
      lock: 'released',
    });
    expect(runtime.notifier.sent).toHaveLength(1);
    const sent = runtime.notifier.sent[0]!;
    expect(sent).toMatchObject({ migrationId: 'orders', event: 'workflow-failed', subject: 'Ferry orders: migrate workflow failed (PreflightFailedError)' });
    expect(sent.message).toContain(message);
    expect(sent.message).toContain('start the migrate workflow again with {"migrationId": "orders"}: it resumes run "migrate-orders-first"');
    expect(sent.message).toContain('This execution released the migration lock.');
    expect(sent.message).toContain(`Execution: ${FIRST}`);
  });

  it('names the database left frozen and, for a cutover left half-way, the rollback that finishes it and its input', async () => {
    // Prepare
    const runtime = await newRuntime();
    const cutover = 'arn:aws:states:eu-west-1:123456789012:execution:Ferry-dev-cutover:first';
    const lease = await runtime.store.acquire('orders', cutover, LEASE_MS);
    await runtime.store.transition('orders', { to: 'replicating', expectedVersion: (await runtime.store.ensureState('orders')).version, reason: 'test', lease });
    for (const to of ['ready', 'cutting-over'] as const) {
      await runtime.store.transition('orders', { to, expectedVersion: (await runtime.store.getState('orders'))!.version, reason: 'test', lease });
    }
    await runtime.store.putFreeze('orders', {
      side: 'source',
      status: 'frozen',
      freezeId: 'f1',
      method: 'revoke',
      roles: ['app'],
      frozenAt: Date.parse('2030-01-01T12:00:00Z'),
      runId: 'cutover:orders:first',
      owner: cutover,
      plan: [],
    });
    const state = { run: { migrationId: 'orders', runId: 'cutover:orders:first' }, lease, error: { Error: 'BackOutUnsafeError', Cause: 'the back-out failed too' } };

    // Act
    await failRunStep({ workflow: 'cutover', executionId: cutover, state }, runtime);

    // Assess
    const message = runtime.notifier.sent[0]!.message;
    expect(message).toContain(`Writes frozen: the source database (${ORDERS.source.host}:${ORDERS.source.port ?? 5432}/${ORDERS.source.database}), frozen since 2030-01-01T12:00:00.000Z`);
    expect(message).toContain('Ferry starts the rollback workflow by itself');
    expect(message).toContain('{"migrationId": "orders", "reason": "finish the interrupted cutover"}');
    expect(message).not.toContain('start the cutover workflow again');
  });

  it('tells a person to start the rollback when the failing execution is the rollback Ferry started by itself', async () => {
    // Prepare
    const runtime = await newRuntime();
    const automatic = 'arn:aws:states:eu-west-1:123456789012:execution:Ferry-dev-rollback:after-first';
    const lease = await runtime.store.acquire('orders', automatic, LEASE_MS);
    for (const to of ['replicating', 'rolling-back'] as const) {
      await runtime.store.transition('orders', { to, expectedVersion: (await runtime.store.ensureState('orders')).version, reason: 'test', lease });
    }
    const state = { run: { migrationId: 'orders', runId: 'rollback:orders:after-first' }, lease, error: { Error: 'MarkerTimeoutError', Cause: 'the marker never arrived' } };

    // Act
    await failRunStep({ workflow: 'rollback', executionId: automatic, state }, runtime);

    // Assess
    const message = runtime.notifier.sent[0]!.message;
    expect(message).toContain('so Ferry starts no other');
    expect(message).toContain('{"migrationId": "orders", "reason": "finish the interrupted rollback"}');
    expect(message).not.toContain('Ferry starts the rollback workflow by itself');
  });

  it('keeps a plain cause as it is (States errors, or one a Pass state made up)', async () => {
    // Prepare
    const runtime = await newRuntime();
    const lease = await runtime.store.acquire('orders', FIRST, LEASE_MS);
    const cause = 'The full load did not finish within 720 checks 120 seconds apart.';

    // Act
    const output = await failRunStep(
      { workflow: 'migrate', executionId: FIRST, state: { run: run(FIRST), lease, preflight: { passed: true }, error: { Error: 'FullLoadTimeoutError', Cause: cause } } },
      runtime,
    );

    // Assess
    expect(output).toMatchObject({ error: 'FullLoadTimeoutError', cause, lock: 'released' });
    expect((await runtime.store.latestReport<FailureReport>('orders', 'failure'))?.report.failedAfter).toEqual(['run', 'lease', 'preflight']);
  });

  it('leaves another execution\'s lock alone when this one was refused with LockHeldError, and says another execution runs', async () => {
    // Prepare
    const runtime = await newRuntime();
    await runtime.store.acquire('orders', FIRST, LEASE_MS);
    const refused = await runtime.store.acquire('orders', SECOND, LEASE_MS).catch((e: Error) => e);

    // Act
    const output = await failRunStep(
      { workflow: 'migrate', executionId: SECOND, state: { run: run(SECOND), error: { Error: 'LockHeldError', Cause: lambdaCause('LockHeldError', (refused as Error).message) } } },
      runtime,
    );

    // Assess
    expect(output).toMatchObject({ error: 'LockHeldError', lock: 'not-held' });
    expect(await runtime.store.getLock('orders')).toMatchObject({ owner: FIRST, released: false });
    expect(runtime.notifier.sent[0]?.message).toContain('another execution holds the migration lock');
    expect(runtime.notifier.sent[0]?.message).toContain('left alone');
  });

  it('never releases another owner\'s lock even when handed its lease', async () => {
    // Prepare
    const runtime = await newRuntime();
    const theirs = await runtime.store.acquire('orders', FIRST, LEASE_MS);

    // Act
    const output = await failRunStep({ workflow: 'migrate', executionId: SECOND, state: { run: run(SECOND), lease: theirs, error: { Error: 'X', Cause: 'y' } } }, runtime);

    // Assess
    expect(output).toMatchObject({ lock: 'not-held' });
    expect(await runtime.store.getLock('orders')).toMatchObject({ owner: FIRST, released: false });
  });

  it('releases the lock this execution holds even when the state has no lease (an acquire whose answer was lost)', async () => {
    // Prepare
    const runtime = await newRuntime();
    await runtime.store.acquire('orders', FIRST, LEASE_MS);

    // Act
    const output = await failRunStep({ workflow: 'migrate', executionId: FIRST, state: { run: run(FIRST), error: { Error: 'States.Timeout', Cause: 'Task timed out' } } }, runtime);

    // Assess
    expect(output).toMatchObject({ error: 'States.Timeout', cause: 'Task timed out', lock: 'released' });
    expect((await runtime.store.getLock('orders'))?.released).toBe(true);
  });

  it('only returns the error when the input was invalid: no migration, so no report and no notification', async () => {
    // Prepare
    const runtime = await newRuntime();
    const message = 'Invalid input: waive.0: no check named ...';

    // Act
    const output = await failRunStep({ workflow: 'migrate', executionId: FIRST, state: { migrationId: 'orders', waive: ['x'], error: { Error: 'InvalidInputError', Cause: lambdaCause('InvalidInputError', message) } } }, runtime);

    // Assess
    expect(output).toEqual({ error: 'InvalidInputError', cause: message });
    expect(await runtime.store.latestReport('orders', 'failure')).toBeUndefined();
    expect(runtime.notifier.sent).toEqual([]);
  });

  it('gives a readable cause when the failed state gave none, or a JSON cause that is not Lambda\'s', async () => {
    // Prepare
    const runtime = await newRuntime();

    // Act
    const none = await failRunStep({ workflow: 'migrate', executionId: FIRST, state: { error: { Error: 'States.Runtime' } } }, runtime);
    const json = await failRunStep({ workflow: 'migrate', executionId: FIRST, state: { error: { Error: 'States.Runtime', Cause: '{"detail": 1}' } } }, runtime);
    const missing = await failRunStep({ workflow: 'migrate', executionId: FIRST, state: {} }, runtime);

    // Assess
    expect(none).toEqual({ error: 'States.Runtime', cause: expect.stringContaining('gave no cause') });
    expect(json).toEqual({ error: 'States.Runtime', cause: '{"detail": 1}' });
    expect(missing).toEqual({ error: 'UnknownError', cause: expect.stringContaining('see the execution history') });
  });

  it('still returns the original error when a side effect fails, and names what was not done', async () => {
    // Prepare
    const runtime = await newRuntime();
    const lease: Lease = await runtime.store.acquire('orders', FIRST, LEASE_MS);
    vi.spyOn(runtime.store, 'putReport').mockRejectedValueOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);

    // Act
    const output = await failRunStep({ workflow: 'migrate', executionId: FIRST, state: { run: run(FIRST), lease, error: { Error: 'ReplicationFailedError', Cause: 'slot gone' } } }, runtime);

    // Assess
    expect(output).toMatchObject({ error: 'ReplicationFailedError', cause: 'slot gone', lock: 'released', notified: true, problems: ['storing the failure report failed: ThrottlingException: Rate exceeded'] });
    expect(output).not.toHaveProperty('reportKey');
    expect(runtime.notifier.sent[0]?.message).toContain('Not done: storing the failure report failed');
    expect(warn).toHaveBeenCalled();
    warn.mockRestore();
  });

  it('rejects an event without the workflow or the state', async () => {
    // Prepare
    const runtime = await newRuntime();

    // Act
    const error = await failRunStep({ executionId: FIRST }, runtime).catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({ name: 'InvalidInputError', message: expect.stringMatching(/workflow: .*state: /s) });
  });
});
