import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { CheckpointStore } from '../../../../lambdas/shared/checkpoints';
import { StepOutputNotSerializableError, StepOutputTooLargeError } from '../../../../lambdas/shared/errors';
import { useDynalite } from '../../../helpers/dynalite';

const db = useDynalite();
let store: CheckpointStore;

beforeAll(async () => {
  store = await db.newStore();
});

const newRun = () => `run-${randomUUID()}`;

describe('idempotent steps', () => {
  it('runs a step once and stores its output as done', async () => {
    // Prepare
    const runId = newRun();
    const fn = vi.fn(async () => ({ taskArn: 'arn:aws:dms:eu-west-1:123456789012:task:ABC', tables: 42 }));

    // Act
    const output = await store.runStep(runId, 'create-task', fn);

    // Assess
    expect(output).toEqual({ taskArn: 'arn:aws:dms:eu-west-1:123456789012:task:ABC', tables: 42 });
    expect(fn).toHaveBeenCalledTimes(1);
    expect(await store.getStep(runId, 'create-task')).toMatchObject({
      runId,
      name: 'create-task',
      status: 'done',
      attempts: 1,
      output,
    });
  });

  it('returns the stored output of a finished step without calling fn again', async () => {
    // Prepare
    const runId = newRun();
    await store.runStep(runId, 'preflight', async () => ({ ok: true, checks: 12 }));
    const fn = vi.fn(async () => ({ ok: false, checks: 0 }));

    // Act
    const output = await store.runStep(runId, 'preflight', fn);

    // Assess
    expect(fn).not.toHaveBeenCalled();
    expect(output).toEqual({ ok: true, checks: 12 });
  });

  it('returns the same JSON value on the first run as on a replay', async () => {
    // Prepare
    const runId = newRun();
    const at = new Date('2030-01-01T00:00:00Z');

    // Act
    const first = await store.runStep(runId, 'snapshot', async () => ({ at, skipped: undefined }));
    const replay = await store.runStep(runId, 'snapshot', async () => ({ at: 'never' }));

    // Assess
    expect(first).toEqual({ at: '2030-01-01T00:00:00.000Z' });
    expect(replay).toEqual(first);
  });

  it('stores a step that returns nothing, and does not run it again', async () => {
    // Prepare
    const runId = newRun();
    await store.runStep(runId, 'thaw-source', async () => undefined);
    const fn = vi.fn(async () => undefined);

    // Act
    const output = await store.runStep(runId, 'thaw-source', fn);

    // Assess
    expect(output).toBeUndefined();
    expect(fn).not.toHaveBeenCalled();
  });

  it('records a failure, rethrows the original error, and runs the step again next time', async () => {
    // Prepare
    const runId = newRun();
    const boom = Object.assign(new Error('replication slot "ferry_orders" is active'), { name: 'SlotBusyError' });

    // Act
    const failed = await store.runStep(runId, 'drop-slot', async () => Promise.reject(boom)).catch((e: unknown) => e);
    const afterFailure = await store.getStep(runId, 'drop-slot');
    const retried = await store.runStep(runId, 'drop-slot', async () => ({ dropped: true }));

    // Assess
    expect(failed).toBe(boom);
    expect(afterFailure).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: { name: 'SlotBusyError', message: 'replication slot "ferry_orders" is active' },
    });
    expect(afterFailure?.output).toBeUndefined();
    expect(retried).toEqual({ dropped: true });
    expect(await store.getStep(runId, 'drop-slot')).toMatchObject({ status: 'done', attempts: 2 });
  });

  it('stores exactly one output when the same step runs concurrently, and every runner gets it', async () => {
    // Prepare: every runner is inside fn before any finishes, so all of them race to store
    const runId = newRun();
    const count = 8;
    let inside = 0;
    let openBarrier: () => void = () => undefined;
    const barrier = new Promise<void>((resolve) => (openBarrier = resolve));
    const runners = Array.from({ length: count }, (_, i) =>
      vi.fn(async () => {
        if (++inside === count) openBarrier();
        await barrier;
        return { runner: i };
      }),
    );

    // Act
    const outputs = await Promise.all(runners.map((fn) => store.runStep(runId, 'sync-sequences', fn)));

    // Assess
    for (const fn of runners) expect(fn).toHaveBeenCalledTimes(1);
    const stored = await store.getStep(runId, 'sync-sequences');
    expect(stored).toMatchObject({ status: 'done', attempts: count });
    expect(outputs).toEqual(Array.from({ length: count }, () => stored?.output));
  });

  it('refuses an output over the size limit with StepOutputTooLargeError and records the failure', async () => {
    // Prepare
    const runId = newRun();

    // Act
    const attempt = store.runStep(runId, 'list-rows', async () => ({ rows: 'x'.repeat(400 * 1024) }));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(StepOutputTooLargeError);
    expect(await store.getStep(runId, 'list-rows')).toMatchObject({
      status: 'failed',
      lastError: { name: 'StepOutputTooLargeError' },
    });
  });

  it('refuses an output that has no JSON form', async () => {
    // Act
    const attempt = store.runStep(newRun(), 'count', async () => ({ rows: 10n }));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(StepOutputNotSerializableError);
  });

  it('keeps steps of different runs apart', async () => {
    // Prepare
    const [first, second] = [newRun(), newRun()];
    await store.runStep(first, 'preflight', async () => 'first');

    // Act
    const output = await store.runStep(second, 'preflight', async () => 'second');

    // Assess
    expect(output).toBe('second');
  });

  it('reads an unknown step as undefined', async () => {
    // Act
    const step = await store.getStep(newRun(), 'never-ran');

    // Assess
    expect(step).toBeUndefined();
  });
});
