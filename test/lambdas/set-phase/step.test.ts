import { describe, expect, it, vi } from 'vitest';
import { PHASES, type Lease, type Phase } from '../../../lambdas/shared/checkpoints';
import { MigrationSchema } from '../../../lambdas/shared/migration-config';
import { logger } from '../../../lambdas/shared/observability';
import { phaseChangedNotification } from '../../../lambdas/set-phase/phase-messages';
import { setPhaseStep } from '../../../lambdas/set-phase/step';
import { localRuntime, type LocalRuntime } from '../../../local/runtime';
import { manualClock } from '../../helpers/clock';
import { useDynalite } from '../../helpers/dynalite';
import { ORDERS } from '../../helpers/migrations';

const FIRST = 'arn:aws:states:eu-west-1:123456789012:execution:Ferry-dev-migrate:first';
const SECOND = 'arn:aws:states:eu-west-1:123456789012:execution:Ferry-dev-migrate:second';
const LEASE_MS = 3_600_000;

describe('set-phase step', () => {
  const dynamo = useDynalite();
  const clock = manualClock();
  const newRuntime = async (): Promise<LocalRuntime> =>
    localRuntime({ store: await dynamo.newStore({ now: clock.now }), migrations: [ORDERS], secrets: {}, now: clock.now });
  const setPhase = (runtime: LocalRuntime, to: Phase, lease: Lease, runId = 'run-1') =>
    setPhaseStep({ migrationId: 'orders', runId, to, reason: `test moves to ${to}`, lease }, runtime);

  it('moves the migration under the lease and tells the operator what happens next', async () => {
    // Prepare
    const runtime = await newRuntime();
    const lease = await runtime.store.acquire('orders', FIRST, LEASE_MS);

    // Act
    const output = await setPhase(runtime, 'replicating', lease);

    // Assess
    expect(output).toEqual({ phase: 'replicating', changed: true, version: 2, notified: true });
    const state = await runtime.store.getState('orders');
    expect(state).toMatchObject({ phase: 'replicating', version: 2, reason: 'test moves to replicating' });
    expect(state?.history.at(-1)).toMatchObject({ from: 'new', to: 'replicating', by: FIRST });
    expect(runtime.notifier.sent).toEqual([
      {
        migrationId: 'orders',
        event: 'phase-changed',
        subject: 'Ferry orders: phase replicating',
        message: expect.stringContaining('moved from phase "new" to "replicating": test moves to replicating.'),
      },
    ]);
    expect(runtime.notifier.sent[0]?.message).toContain('the migrate workflow waits for the full load and compares every table');
  });

  it('tells the operator, on ready, how to start the cutover', async () => {
    // Prepare
    const runtime = await newRuntime();
    const lease = await runtime.store.acquire('orders', FIRST, LEASE_MS);
    await setPhase(runtime, 'replicating', lease);

    // Act
    const output = await setPhase(runtime, 'ready', lease);

    // Assess
    expect(output).toMatchObject({ phase: 'ready', changed: true, version: 3 });
    expect(runtime.notifier.sent[1]).toMatchObject({ subject: 'Ferry orders: phase ready' });
    expect(runtime.notifier.sent[1]?.message).toContain('Start the cutover workflow with {"migrationId": "orders"} when the application team is ready');
  });

  it('changes nothing and sends nothing when the migration is in that phase already', async () => {
    // Prepare
    const runtime = await newRuntime();
    const state = await runtime.store.ensureState('orders');
    await runtime.store.transition('orders', { to: 'replicating', expectedVersion: state.version, reason: 'by hand' });
    const lease = await runtime.store.acquire('orders', FIRST, LEASE_MS);

    // Act
    const output = await setPhase(runtime, 'replicating', lease);

    // Assess
    expect(output).toEqual({ phase: 'replicating', changed: false, version: 2 });
    expect(runtime.notifier.sent).toEqual([]);
  });

  it('is not repeated when a later execution resumes the run: the stored result comes back, nothing is written or sent', async () => {
    // Prepare
    const runtime = await newRuntime();
    const first = await runtime.store.acquire('orders', FIRST, LEASE_MS);
    const done = await setPhase(runtime, 'replicating', first);
    await runtime.store.release('orders', first);
    const second = await runtime.store.acquire('orders', SECOND, LEASE_MS);

    // Act
    const resumed = await setPhase(runtime, 'replicating', second);

    // Assess
    expect(resumed).toEqual(done);
    expect(runtime.notifier.sent).toHaveLength(1);
    expect((await runtime.store.getState('orders'))?.version).toBe(2);
  });

  it('passes ForbiddenTransitionError through, naming both phases, and writes nothing', async () => {
    // Prepare
    const runtime = await newRuntime();
    const lease = await runtime.store.acquire('orders', FIRST, LEASE_MS);

    // Act
    const error = await setPhase(runtime, 'ready', lease).catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({ name: 'ForbiddenTransitionError', message: expect.stringContaining('cannot go from phase "new" to "ready"') });
    expect((await runtime.store.getState('orders'))?.phase).toBe('new');
    expect(runtime.notifier.sent).toEqual([]);
  });

  it('refuses a lease another execution has taken over (LockLostError), and writes nothing', async () => {
    // Prepare
    const runtime = await newRuntime();
    const stale = await runtime.store.acquire('orders', FIRST, LEASE_MS);
    await runtime.store.release('orders', stale);
    await runtime.store.acquire('orders', SECOND, LEASE_MS);

    // Act
    const error = await setPhase(runtime, 'replicating', stale).catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({ name: 'LockLostError', message: expect.stringContaining(`"${SECOND}" took the lock over`) });
    expect((await runtime.store.getState('orders'))?.phase).toBe('new');
  });

  it('refuses a lease that expired', async () => {
    // Prepare
    const runtime = await newRuntime();
    const lease = await runtime.store.acquire('orders', FIRST, 60_000);
    clock.advance(61_000);

    // Act
    const error = await setPhase(runtime, 'replicating', lease).catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({ name: 'LockLostError', message: expect.stringContaining('expired') });
  });

  it('reports the change even when the notification fails, with notified false', async () => {
    // Prepare
    const runtime = await newRuntime();
    const lease = await runtime.store.acquire('orders', FIRST, LEASE_MS);
    vi.spyOn(runtime.notifier, 'notify').mockRejectedValueOnce(new Error('SNS is down'));
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);

    // Act
    const output = await setPhase(runtime, 'replicating', lease);

    // Assess
    expect(output).toEqual({ phase: 'replicating', changed: true, version: 2, notified: false });
    expect(warn).toHaveBeenCalledWith('phase-changed notification failed', expect.objectContaining({ migrationId: 'orders', to: 'replicating' }));
    warn.mockRestore();
  });

  it('rejects an unknown phase and a missing lease, naming the fields', async () => {
    // Prepare
    const runtime = await newRuntime();

    // Act
    const error = await setPhaseStep({ migrationId: 'orders', runId: 'r', to: 'done', reason: 'x' }, runtime).catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({ name: 'InvalidInputError' });
    expect((error as Error).message).toMatch(/to: .*"ready"/);
    expect((error as Error).message).toContain('lease: ');
  });
});

describe('phase-changed notifications', () => {
  const migration = MigrationSchema.parse(ORDERS);

  it.each(PHASES.filter((p) => p !== 'new'))('say what happens next in phase %s, within the subject limit', (to) => {
    // Act
    const n = phaseChangedNotification(migration, { from: 'ready', to, reason: 'because', runId: 'run-1', by: FIRST });

    // Assess
    expect(n.subject).toBe(`Ferry orders: phase ${to}`);
    expect(n.subject.length).toBeLessThan(100);
    expect(n.message.split('\n\n')[1]!.length).toBeGreaterThan(60);
  });

  it('tell apart a rollback before cutover (clients stay) from one after (clients move back)', () => {
    // Act
    const before = phaseChangedNotification(migration, { from: 'ready', to: 'rolling-back', reason: 'alarm', runId: 'r', by: FIRST });
    const after = phaseChangedNotification(migration, { from: 'cut-over', to: 'rolling-back', reason: 'alarm', runId: 'r', by: FIRST });

    // Assess
    expect(before.message).toContain('the clients stay on the source');
    expect(after.message).toContain('moving the clients back to the source');
  });
});
