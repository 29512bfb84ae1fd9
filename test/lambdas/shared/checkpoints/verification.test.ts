import { describe, expect, it } from 'vitest';
import { VerificationLeaseLostError, type VerificationRecord } from '../../../../lambdas/shared/checkpoints';
import { manualClock } from '../../../helpers/clock';
import { useDynalite } from '../../../helpers/dynalite';

const record = (rounds: number, unresolved = 0): VerificationRecord => ({
  migrationId: 'orders',
  captureId: 'c1',
  runId: 'run-1',
  status: 'capturing',
  startedAt: 1,
  slots: { source: { name: 's', startLsn: '0/1' }, target: { name: 't', startLsn: '0/1' } },
  unresolved: Array.from({ length: unresolved }, (_, i) => ({
    table: 'public.orders', key: [String(i), 'x'.repeat(60)], status: 'difference' as const, kind: 'changed' as const, columns: ['total'], firstSeenAt: 1, lastSeenAt: 1,
  })),
  tablesToCompare: [],
  rounds,
});

describe('the VERIFY item', () => {
  const dynamo = useDynalite();

  it('is written only by the holder of its lease, which one owner holds at a time until it is released or expires', async () => {
    const clock = manualClock();
    const store = await dynamo.newStore({ now: clock.now });

    const first = await store.acquireVerificationLease('orders', 'round-a', 60_000);
    const second = await store.acquireVerificationLease('orders', 'round-b', 60_000);
    if (!first.acquired) throw new Error('the first lease was refused');
    await store.putVerification(record(1), first.lease);

    expect(second).toEqual({ acquired: false, holder: 'round-a', expiresAt: clock.now() + 60_000 });
    expect((await store.getVerification('orders'))?.rounds).toBe(1);

    clock.advance(60_001);
    const taken = await store.acquireVerificationLease('orders', 'round-b', 60_000);
    await expect(store.putVerification(record(2), first.lease)).rejects.toThrow(VerificationLeaseLostError);
    expect(await store.releaseVerificationLease('orders', first.lease)).toBe(false);
    expect(taken.acquired).toBe(true);
    expect((await store.getVerification('orders'))?.rounds).toBe(1);

    if (!taken.acquired) throw new Error('unreachable');
    expect(await store.releaseVerificationLease('orders', taken.lease)).toBe(true);
    expect((await store.acquireVerificationLease('orders', 'round-c', 1000)).acquired).toBe(true);
  });

  it('stores a large record compressed and reads it back whole', async () => {
    const store = await dynamo.newStore();
    const lease = await store.acquireVerificationLease('orders', 'round-a', 60_000);
    if (!lease.acquired) throw new Error('refused');

    await store.putVerification(record(3, 2000), lease.lease);

    expect(await store.getVerification('orders')).toEqual(record(3, 2000));
  });
});
