import { randomUUID } from 'node:crypto';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { CheckpointStore } from '../../../../lambdas/shared/checkpoints';
import { LockHeldError, LockLostError } from '../../../../lambdas/shared/errors';
import { manualClock } from '../../../helpers/clock';
import { useDynalite } from '../../../helpers/dynalite';

const db = useDynalite();
const LEASE_MS = 60_000;
let tableName: string;

beforeAll(async () => {
  tableName = await db.newTable();
});

const newId = () => `m-${randomUUID()}`;

/** Two workflows sharing one table and one clock, as two Lambda invocations would. */
function twoWorkers(clock = manualClock()) {
  const options = { client: db.client, tableName, now: clock.now, retry: { sleep: async () => undefined } };
  return { clock, a: new CheckpointStore(options), b: new CheckpointStore(options) };
}

describe('migration lock', () => {
  it('gives the lock to exactly one of 20 concurrent acquirers; the others get LockHeldError', async () => {
    // Prepare
    const { a } = twoWorkers();
    const id = newId();

    // Act
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => a.acquire(id, `worker-${i}`, LEASE_MS)),
    );

    // Assess
    const winners = results.filter((r) => r.status === 'fulfilled');
    const losers = results.filter((r) => r.status === 'rejected');
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(19);
    for (const loser of losers) expect(loser.reason).toBeInstanceOf(LockHeldError);
    const holder = (winners[0] as PromiseFulfilledResult<{ owner: string; token: number }>).value;
    expect(holder.token).toBe(1);
    expect(await a.getLock(id)).toMatchObject({ owner: holder.owner, token: 1, released: false });
    expect(await a.getState(id)).toMatchObject({ phase: 'new', version: 1, fenceToken: 1, leaseOwner: holder.owner });
  });

  it('names the holder and the expiry when the lock is held', async () => {
    // Prepare
    const { a, b, clock } = twoWorkers();
    const id = newId();
    await a.acquire(id, 'migrate-exec-1', LEASE_MS);

    // Act
    const attempt = b.acquire(id, 'cutover-exec-7', LEASE_MS);

    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'LockHeldError',
      holder: 'migrate-exec-1',
      expiresAt: clock.now() + LEASE_MS,
    });
    await expect(attempt).rejects.toThrow(
      `is locked by "migrate-exec-1" until ${new Date(clock.now() + LEASE_MS).toISOString()}`,
    );
  });

  it('renews with the same token when the holder acquires again', async () => {
    // Prepare
    const { a, clock } = twoWorkers();
    const id = newId();
    const first = await a.acquire(id, 'migrate-exec-1', LEASE_MS);
    clock.advance(LEASE_MS / 2);

    // Act
    const again = await a.acquire(id, 'migrate-exec-1', LEASE_MS);

    // Assess
    expect(again).toEqual({ owner: 'migrate-exec-1', token: first.token, expiresAt: clock.now() + LEASE_MS });
    expect(await a.getState(id)).toMatchObject({ fenceToken: first.token, leaseExpiresAt: again.expiresAt });
  });

  it('lets a new owner take over an expired lease with a higher token, and fences out the old holder', async () => {
    // Prepare
    const { a, b, clock } = twoWorkers();
    const id = newId();
    const old = await a.acquire(id, 'migrate-exec-1', LEASE_MS);
    const before = await a.getState(id);
    clock.advance(LEASE_MS + 1);

    // Act
    const taken = await b.acquire(id, 'rollback-exec-2', LEASE_MS);
    const lateWrite = a.transition(id, { to: 'replicating', expectedVersion: 1, reason: 'late', lease: old });

    // Assess
    expect(taken.token).toBeGreaterThan(old.token);
    const error = await lateWrite.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockLostError);
    expect(error).toMatchObject({ name: 'LockLostError', owner: 'migrate-exec-1', token: old.token });
    expect((error as Error).message).toContain('"rollback-exec-2" took the lock over');
    expect(await a.getState(id)).toMatchObject({ phase: 'new', version: before?.version, fenceToken: taken.token });
  });

  it('rejects a write under an expired lease even when nobody has taken the lock over', async () => {
    // Prepare
    const { a, clock } = twoWorkers();
    const id = newId();
    const lease = await a.acquire(id, 'migrate-exec-1', LEASE_MS);
    clock.advance(LEASE_MS);

    // Act
    const attempt = a.transition(id, { to: 'replicating', expectedVersion: 1, reason: 'too late', lease });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(LockLostError);
    await expect(attempt).rejects.toThrow('expired');
    expect(await a.getState(id)).toMatchObject({ phase: 'new', version: 1 });
  });

  it('accepts a write under a valid lease and records who made it', async () => {
    // Prepare
    const { a } = twoWorkers();
    const id = newId();
    const lease = await a.acquire(id, 'migrate-exec-1', LEASE_MS);

    // Act
    const state = await a.transition(id, { to: 'replicating', expectedVersion: 1, reason: 'full load', lease });

    // Assess
    expect(state).toMatchObject({ phase: 'replicating', version: 2 });
    expect(state.history.at(-1)).toMatchObject({ by: 'migrate-exec-1', reason: 'full load' });
  });

  it('rejects the old holder when a takeover lands between its read and its conditional write', async () => {
    // Prepare: the takeover happens just before the old holder's fenced STATE write is sent
    const { a, b, clock } = twoWorkers();
    const id = newId();
    const old = await a.acquire(id, 'migrate-exec-1', LEASE_MS);
    const send = db.client.send.bind(db.client);
    let raced = false;
    const spy = vi.spyOn(db.client, 'send').mockImplementation(async (command: unknown) => {
      const input = (command as UpdateCommand).input;
      if (!raced && command instanceof UpdateCommand && input.ConditionExpression?.includes('fenceToken = :token')) {
        raced = true;
        clock.advance(LEASE_MS + 1);
        await b.acquire(id, 'rollback-exec-2', LEASE_MS);
      }
      return send(command as UpdateCommand);
    });

    try {
      // Act
      const attempt = a.transition(id, { to: 'replicating', expectedVersion: 1, reason: 'late', lease: old });

      // Assess
      await expect(attempt).rejects.toBeInstanceOf(LockLostError);
      expect(raced).toBe(true);
      expect(await a.getState(id)).toMatchObject({ phase: 'new', version: 1, leaseOwner: 'rollback-exec-2' });
    } finally {
      spy.mockRestore();
    }
  });

  it('renews a held lease on the lock and on the state', async () => {
    // Prepare
    const { a, clock } = twoWorkers();
    const id = newId();
    const lease = await a.acquire(id, 'migrate-exec-1', LEASE_MS);
    clock.advance(LEASE_MS - 1);

    // Act
    const renewed = await a.renew(id, lease, LEASE_MS);

    // Assess
    expect(renewed).toEqual({ owner: lease.owner, token: lease.token, expiresAt: clock.now() + LEASE_MS });
    expect(await a.getLock(id)).toMatchObject({ expiresAt: renewed.expiresAt });
    expect(await a.getState(id)).toMatchObject({ leaseExpiresAt: renewed.expiresAt });
  });

  it('refuses to renew a lease that another owner has taken over', async () => {
    // Prepare
    const { a, b, clock } = twoWorkers();
    const id = newId();
    const old = await a.acquire(id, 'migrate-exec-1', LEASE_MS);
    clock.advance(LEASE_MS + 1);
    await b.acquire(id, 'rollback-exec-2', LEASE_MS);

    // Act
    const attempt = a.renew(id, old, LEASE_MS);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(LockLostError);
    await expect(attempt).rejects.toThrow('"rollback-exec-2" took the lock over with token 2');
  });

  it('releases without deleting, so the next token is still higher', async () => {
    // Prepare
    const { a, b } = twoWorkers();
    const id = newId();
    const first = await a.acquire(id, 'migrate-exec-1', LEASE_MS);

    // Act
    const released = await a.release(id, first);
    const next = await b.acquire(id, 'cutover-exec-2', LEASE_MS);

    // Assess
    expect(released).toBe(true);
    expect(next.token).toBe(first.token + 1);
  });

  it('ends the write rights of a released lease', async () => {
    // Prepare
    const { a } = twoWorkers();
    const id = newId();
    const lease = await a.acquire(id, 'migrate-exec-1', LEASE_MS);
    await a.release(id, lease);

    // Act
    const attempt = a.transition(id, { to: 'replicating', expectedVersion: 1, reason: 'after release', lease });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(LockLostError);
  });

  it("reports false, and changes nothing, when releasing a lock it no longer holds", async () => {
    // Prepare
    const { a, b, clock } = twoWorkers();
    const id = newId();
    const old = await a.acquire(id, 'migrate-exec-1', LEASE_MS);
    clock.advance(LEASE_MS + 1);
    const current = await b.acquire(id, 'rollback-exec-2', LEASE_MS);
    const stateBefore = await a.getState(id);

    // Act
    const released = await a.release(id, old);

    // Assess
    expect(released).toBe(false);
    expect(await a.getLock(id)).toMatchObject({ owner: 'rollback-exec-2', token: current.token, released: false });
    expect(await a.getState(id)).toEqual(stateBefore);
  });

  it('reports true for the first release and false for a repeated one', async () => {
    // Prepare
    const { a } = twoWorkers();
    const id = newId();
    const lease = await a.acquire(id, 'migrate-exec-1', LEASE_MS);

    // Act
    const first = await a.release(id, lease);
    const second = await a.release(id, lease);

    // Assess
    expect([first, second]).toEqual([true, false]);
    expect(await a.getLock(id)).toMatchObject({ token: lease.token, released: true });
  });

  it('does not lower the fence when a slow acquirer stamps after a newer one', async () => {
    // Prepare: worker A wins the lock, stalls before stamping the state, and its lease runs out
    const clock = manualClock();
    const { a, b } = twoWorkers(clock);
    const id = newId();
    const send = db.client.send.bind(db.client);
    let stalled: (() => void) | undefined;
    const spy = vi.spyOn(db.client, 'send').mockImplementation(async (command: unknown) => {
      const input = (command as UpdateCommand).input;
      if (stalled === undefined && input.ConditionExpression?.includes('fenceToken <= :token')) {
        await new Promise<void>((resolve) => (stalled = resolve));
      }
      return send(command as UpdateCommand);
    });

    try {
      // Act
      const slow = a.acquire(id, 'slow-exec-1', LEASE_MS);
      await vi.waitFor(() => expect(stalled).toBeDefined());
      clock.advance(LEASE_MS + 1);
      const fast = await b.acquire(id, 'fast-exec-2', LEASE_MS);
      stalled?.();
      const slowResult = await slow.catch((e: unknown) => e);

      // Assess
      expect(slowResult).toBeInstanceOf(LockLostError);
      expect(await b.getState(id)).toMatchObject({ fenceToken: fast.token, leaseOwner: 'fast-exec-2' });
    } finally {
      spy.mockRestore();
    }
  });
});
