import { describe, expect, it } from 'vitest';
import type { Lease } from '../../../lambdas/shared/checkpoints';
import { lockStep } from '../../../lambdas/lock/step';
import { localRuntime, type LocalRuntime } from '../../../local/runtime';
import { manualClock } from '../../helpers/clock';
import { useDynalite } from '../../helpers/dynalite';
import { ORDERS } from '../../helpers/migrations';

const FIRST = 'arn:aws:states:eu-west-1:123456789012:execution:Ferry-dev-migrate:first';
const SECOND = 'arn:aws:states:eu-west-1:123456789012:execution:Ferry-dev-migrate:second';

describe('lock step', () => {
  const dynamo = useDynalite();
  const clock = manualClock();
  const newRuntime = async (): Promise<LocalRuntime> =>
    localRuntime({ store: await dynamo.newStore({ now: clock.now }), migrations: [ORDERS], secrets: {}, now: clock.now });
  const acquire = (runtime: LocalRuntime, owner: string, leaseSeconds = 172_800) =>
    lockStep({ action: 'acquire', migrationId: 'orders', owner, leaseSeconds }, runtime) as Promise<Lease>;

  it('acquires the lock for the execution, with a fencing token and an expiry leaseSeconds away', async () => {
    // Prepare
    const runtime = await newRuntime();

    // Act
    const lease = await acquire(runtime, FIRST);

    // Assess
    expect(lease).toEqual({ owner: FIRST, token: 1, expiresAt: clock.now() + 172_800_000 });
    expect(await runtime.store.getLock('orders')).toMatchObject({ owner: FIRST, token: 1, released: false });
  });

  it('gives a retried acquire of the same execution its lease back (same token), instead of LockHeldError', async () => {
    // Prepare
    const runtime = await newRuntime();
    const first = await acquire(runtime, FIRST);
    clock.advance(30_000);

    // Act
    const retried = await acquire(runtime, FIRST);

    // Assess
    expect(retried).toEqual({ owner: FIRST, token: first.token, expiresAt: clock.now() + 172_800_000 });
  });

  it('refuses another execution while the lock is held, with LockHeldError naming the holder, its expiry and the requester', async () => {
    // Prepare
    const runtime = await newRuntime();
    const held = await acquire(runtime, FIRST);

    // Act
    const error = await acquire(runtime, SECOND).catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({ name: 'LockHeldError' });
    const { message } = error as Error;
    expect(message).toContain(`locked by "${FIRST}" until ${new Date(held.expiresAt).toISOString()}`);
    expect(message).toContain(`"${SECOND}" could not take the lock`);
    expect(message).toContain('Only one workflow may work on a migration at a time');
    expect(await runtime.store.getLock('orders')).toMatchObject({ owner: FIRST, released: false });
  });

  it('releases for the holder, after which another execution can acquire (with a higher token)', async () => {
    // Prepare
    const runtime = await newRuntime();
    const lease = await acquire(runtime, FIRST);

    // Act
    const released = await lockStep({ action: 'release', migrationId: 'orders', lease }, runtime);
    const next = await acquire(runtime, SECOND);

    // Assess
    expect(released).toEqual({ released: true });
    expect(next).toMatchObject({ owner: SECOND, token: lease.token + 1 });
  });

  it('does not release a lock held by someone else: an old lease gets released false and changes nothing', async () => {
    // Prepare
    const runtime = await newRuntime();
    const old = await acquire(runtime, FIRST, 60);
    clock.advance(61_000);
    const current = await acquire(runtime, SECOND);

    // Act
    const released = await lockStep({ action: 'release', migrationId: 'orders', lease: old }, runtime);

    // Assess
    expect(released).toEqual({ released: false });
    expect(await runtime.store.getLock('orders')).toMatchObject({ owner: SECOND, token: current.token, released: false });
  });

  it('rejects an unknown action or a malformed lease, naming the problem', async () => {
    // Prepare
    const runtime = await newRuntime();

    // Act
    const badAction = await lockStep({ action: 'steal', migrationId: 'orders' }, runtime).catch((e: Error) => e);
    const badLease = await lockStep({ action: 'release', migrationId: 'orders', lease: { owner: FIRST } }, runtime).catch((e: Error) => e);

    // Assess
    expect(badAction).toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining("action must be 'acquire' or 'release'") });
    expect(badLease).toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('lease.token') });
  });

  it('does not lock a migration that is not configured', async () => {
    // Prepare
    const runtime = await newRuntime();

    // Act
    const error = await lockStep({ action: 'acquire', migrationId: 'invoices', owner: FIRST, leaseSeconds: 60 }, runtime).catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({ name: 'MigrationNotConfiguredError' });
    expect(await runtime.store.getLock('invoices')).toBeUndefined();
  });
});
