import { describe, expect, it } from 'vitest';
import { executionEndedStep } from '../../../lambdas/execution-ended/step';
import { localRuntime, type LocalRuntime } from '../../../local/runtime';
import { useDynalite } from '../../helpers/dynalite';
import { ORDERS } from '../../helpers/migrations';

const STATE_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:Ferry-dev-migrate';
const FIRST = 'arn:aws:states:eu-west-1:123456789012:execution:Ferry-dev-migrate:first';
const SECOND = 'arn:aws:states:eu-west-1:123456789012:execution:Ferry-dev-migrate:second';
const LEASE_MS = 3_600_000;

/** An event as EventBridge delivers it, extra fields and all. */
function statusChange(executionArn: string, status: string, input: string | null = JSON.stringify({ migrationId: 'orders' })) {
  return {
    version: '0',
    id: '315c1398-40ff-a850-213b-158f73e60175',
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: '123456789012',
    time: '2030-01-01T00:00:00Z',
    region: 'eu-west-1',
    resources: [executionArn],
    detail: {
      executionArn,
      stateMachineArn: STATE_MACHINE,
      name: executionArn.split(':').pop(),
      status,
      startDate: 1893456000000,
      stopDate: 1893459600000,
      input,
      output: null,
      inputDetails: { included: true },
    },
  };
}

describe('execution-ended step', () => {
  const dynamo = useDynalite();
  const newRuntime = async (): Promise<LocalRuntime> => localRuntime({ store: await dynamo.newStore(), migrations: [ORDERS], secrets: {} });

  it('releases the lock a stopped execution still holds, and tells the operator', async () => {
    // Prepare
    const runtime = await newRuntime();
    await runtime.store.acquire('orders', FIRST, LEASE_MS);

    // Act
    const output = await executionEndedStep(statusChange(FIRST, 'ABORTED'), runtime);

    // Assess
    expect(output).toEqual({ action: 'released', migrationId: 'orders', executionArn: FIRST, notified: true });
    expect(await runtime.store.getLock('orders')).toMatchObject({ owner: FIRST, released: true });
    expect(runtime.notifier.sent).toEqual([
      expect.objectContaining({ migrationId: 'orders', event: 'execution-ended', subject: 'Ferry orders: Ferry-dev-migrate execution aborted, lock released' }),
    ]);
    expect(runtime.notifier.sent[0]?.message).toContain(`Execution ${FIRST} of Ferry-dev-migrate was stopped`);
    expect(runtime.notifier.sent[0]?.message).toContain('Phase now: new.');
  });

  it.each(['TIMED_OUT', 'FAILED'])('releases it for status %s too', async (status) => {
    // Prepare
    const runtime = await newRuntime();
    await runtime.store.acquire('orders', FIRST, LEASE_MS);

    // Act
    const output = await executionEndedStep(statusChange(FIRST, status), runtime);

    // Assess
    expect(output).toMatchObject({ action: 'released' });
  });

  it('leaves alone a lock another execution holds', async () => {
    // Prepare
    const runtime = await newRuntime();
    const theirs = await runtime.store.acquire('orders', SECOND, LEASE_MS);

    // Act
    const output = await executionEndedStep(statusChange(FIRST, 'ABORTED'), runtime);

    // Assess
    expect(output).toEqual({ action: 'ignored', reason: expect.stringContaining(`not held by ${FIRST}`) });
    expect(await runtime.store.getLock('orders')).toMatchObject({ owner: SECOND, token: theirs.token, released: false });
    expect(runtime.notifier.sent).toEqual([]);
  });

  it('ignores a lock the execution released itself, and a migration that never had one', async () => {
    // Prepare
    const runtime = await newRuntime();
    const lease = await runtime.store.acquire('orders', FIRST, LEASE_MS);
    await runtime.store.release('orders', lease);

    // Act
    const released = await executionEndedStep(statusChange(FIRST, 'FAILED'), runtime);
    const never = await executionEndedStep(statusChange(FIRST, 'FAILED', JSON.stringify({ migrationId: 'invoices' })), runtime);

    // Assess
    expect(released).toMatchObject({ action: 'ignored' });
    expect(never).toMatchObject({ action: 'ignored' });
    expect(runtime.notifier.sent).toEqual([]);
  });

  it('ignores executions that are running or succeeded, other events, and inputs without a migrationId', async () => {
    // Prepare
    const runtime = await newRuntime();
    await runtime.store.acquire('orders', FIRST, LEASE_MS);

    // Act
    const outputs = await Promise.all([
      executionEndedStep(statusChange(FIRST, 'RUNNING'), runtime),
      executionEndedStep(statusChange(FIRST, 'SUCCEEDED'), runtime),
      executionEndedStep({ ...statusChange(FIRST, 'ABORTED'), 'detail-type': 'Step Functions State Machine Status Change' }, runtime),
      executionEndedStep(statusChange(FIRST, 'ABORTED', 'not json'), runtime),
      executionEndedStep(statusChange(FIRST, 'ABORTED', JSON.stringify({ id: 'orders' })), runtime),
      executionEndedStep(statusChange(FIRST, 'ABORTED', null), runtime),
    ]);

    // Assess
    expect(outputs.map((o) => o.action)).toEqual(['ignored', 'ignored', 'ignored', 'ignored', 'ignored', 'ignored']);
    expect(outputs[0]).toMatchObject({ reason: 'status RUNNING' });
    expect((await runtime.store.getLock('orders'))?.released).toBe(false);
  });

  async function interruptedCutover() {
    const runtime = await newRuntime();
    const lease = await runtime.store.acquire('orders', FIRST, LEASE_MS);
    for (const to of ['replicating', 'ready', 'cutting-over'] as const) {
      const { version } = (await runtime.store.getState('orders'))!;
      await runtime.store.transition('orders', { to, expectedVersion: version, reason: 'test', lease });
    }
    return { runtime, lease };
  }

  it('starts the rollback workflow when a cutover was interrupted half-way, so frozen writes never wait for a person', async () => {
    // Prepare
    const { runtime } = await interruptedCutover();

    // Act
    const out = await executionEndedStep(statusChange(FIRST, 'TIMED_OUT'), runtime);

    // Assess
    expect(out).toMatchObject({ action: 'released', rollback: expect.stringMatching(/^after-/) });
    expect(runtime.startedRollbacks).toEqual([{ name: out.action === 'released' ? out.rollback : '', input: { migrationId: 'orders', reason: expect.stringMatching(/timed out in phase cutting-over/) } }]);
    expect(runtime.notifier.sent[0]?.subject).toContain('timed out');
    expect(runtime.notifier.sent[0]?.message).toContain('Ferry started the rollback workflow');
  });

  it('also starts it when the failed cutover released its lock but could not back out, naming the database left frozen', async () => {
    // Prepare
    const { runtime, lease } = await interruptedCutover();
    await runtime.store.release('orders', lease);
    await runtime.store.putFreeze('orders', {
      side: 'source',
      status: 'frozen',
      freezeId: 'f1',
      method: 'revoke',
      roles: ['app'],
      frozenAt: Date.parse('2030-01-01T12:00:00Z'),
      runId: 'cutover:orders:first',
      owner: FIRST,
      plan: [],
    });

    // Act
    const out = await executionEndedStep(statusChange(FIRST, 'FAILED'), runtime);

    // Assess
    expect(out).toMatchObject({ action: 'rollback-started' });
    expect(runtime.startedRollbacks).toHaveLength(1);
    expect(runtime.notifier.sent[0]?.message).toContain('Writes are frozen on the source (frozen since 2030-01-01T12:00:00.000Z, run cutover:orders:first).');
  });

  it('does not start another rollback when the rollback it started ends half-way too, and tells the operator what to do', async () => {
    // Prepare
    const { runtime, lease } = await interruptedCutover();
    await runtime.store.release('orders', lease);
    const automatic = 'arn:aws:states:eu-west-1:123456789012:execution:Ferry-test-rollback:after-first';

    // Act
    const out = await executionEndedStep(statusChange(automatic, 'FAILED'), runtime);

    // Assess
    expect(out).toMatchObject({ action: 'rollback-started' });
    expect(runtime.startedRollbacks).toEqual([]);
    expect(runtime.notifier.sent[0]?.message).toMatch(/start the rollback workflow now with \{"migrationId": "orders"/);
  });

  it('says when starting the rollback failed, and how to start it by hand', async () => {
    // Prepare
    const { runtime } = await interruptedCutover();
    const failing = { ...runtime, rollbacks: { startRollback: async () => Promise.reject(new Error('AccessDenied')) } };

    // Act
    await executionEndedStep(statusChange(FIRST, 'ABORTED'), failing);

    // Assess
    expect(runtime.notifier.sent[0]?.message).toMatch(/could not start the rollback workflow \(AccessDenied\)/);
  });

  it('accepts the minimal detail the local workflow runner sends, and rejects an event without one', async () => {
    // Prepare
    const runtime = await newRuntime();
    await runtime.store.acquire('orders', FIRST, LEASE_MS);

    // Act
    const minimal = await executionEndedStep({ detail: { executionArn: FIRST, status: 'ABORTED', input: JSON.stringify({ migrationId: 'orders' }) } }, runtime);
    const invalid = await executionEndedStep({ source: 'aws.states' }, runtime).catch((e: Error) => e);

    // Assess
    expect(minimal).toMatchObject({ action: 'released' });
    expect(runtime.notifier.sent[0]?.subject).toBe('Ferry orders: workflow execution aborted, lock released');
    expect(invalid).toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('detail: ') });
  });
});
