import { randomUUID } from 'node:crypto';
import { LockHeldError, LockLostError } from '../errors';
import { getItem, updateIf, withoutKey, type StoreContext, type UpdateInput } from './context';
import { lockKey, stateKey } from './keys';
import { initialStateClauses } from './state';

/**
 * One workflow at a time per migration: a lease on the LOCK item plus a fencing token.
 *
 * Fencing without transactions. DynamoDB transactions would let us write LOCK and STATE together,
 * but the local twin (dynalite) has no TransactWriteItems, so every write here is a single-item
 * conditional write:
 *
 * 1. acquire wins the LOCK item (conditional on free / released / expired) and gets token N+1;
 *    the token only ever grows because the LOCK item is never deleted.
 * 2. acquire then stamps the STATE item with `fenceToken = N+1, leaseExpiresAt`, conditioned on
 *    `fenceToken <= N+1`, so a slow acquirer can never lower the fence.
 * 3. A transition made under a lease is conditioned on `fenceToken = token AND leaseExpiresAt >
 *    now` (state.ts), so the old holder is refused once the new holder has stamped, or once its own
 *    lease has run out, whichever comes first.
 *
 * The crash window between 1 and 2 is safe: LOCK says N+1 but STATE still says N. The old holder
 * (N) only lost the LOCK because its lease had expired or was released, and its `leaseExpiresAt`
 * on STATE is that same expiry, so its writes are already refused by the expiry condition. The
 * crashed acquirer's token N+1 is on no STATE item, so no write can use it; when its LOCK lease
 * expires the next acquirer gets N+2 >= N and stamps normally. If instead the acquirer is merely
 * slow and a later one stamps N+2 first, step 2 fails and the slow one gets LockLostError.
 * Renew extends LOCK first and STATE second; a crash in between leaves STATE with the shorter
 * expiry, which only makes the holder give up sooner.
 *
 * Clock assumption: every writer's clock (epoch ms from `now`) is within a small skew of the
 * others (NTP-synced Lambda hosts: milliseconds), and leases are much longer than that skew
 * (tens of seconds or more). Skew can only let an expired holder write until a new holder stamps
 * STATE; from then on the token condition refuses it whatever the clocks say, and the new holder
 * reads the state after stamping, so it sees any such late write. The fence guards the STATE item
 * only; other side effects of a workflow must be checked against `getState` or made idempotent.
 */
export interface Lease {
  readonly owner: string;
  /** Fencing token: higher means later; never reused. */
  readonly token: number;
  /** Epoch ms. */
  readonly expiresAt: number;
}

export interface LockRecord extends Lease {
  readonly acquiredAt: number;
  readonly released: boolean;
  readonly releasedAt?: number;
}

interface LockItem extends LockRecord {
  readonly releaseId?: string;
}

/** DynamoDB rejects unused names, so only calls that use all four take this map. */
const NAMES = { '#owner': 'owner', '#token': 'token', '#released': 'released', '#expiresAt': 'expiresAt' };

/** Races with a releasing or expiring holder are rare; a few rounds settle them. */
const ACQUIRE_ROUNDS = 3;

export async function acquire(ctx: StoreContext, migrationId: string, owner: string, leaseMs: number): Promise<Lease> {
  assertLeaseArgs(owner, leaseMs);
  const now = ctx.now();
  const expiresAt = now + leaseMs;
  for (let round = 1; ; round++) {
    const lease = await tryTakeLock(ctx, migrationId, owner, now, expiresAt);
    if (lease !== undefined) {
      await stampState(ctx, migrationId, lease, now);
      return lease;
    }
    const current = await getLock(ctx, migrationId);
    if (current !== undefined && !current.released && current.expiresAt > now) {
      if (current.owner !== owner) throw new LockHeldError(migrationId, current.owner, current.expiresAt, owner);
      // Re-acquiring what we hold renews it and keeps the token. This is also how a retried
      // acquire whose first attempt had landed (but whose answer was lost) comes out right.
      const renewed = await extendLock(ctx, migrationId, current, expiresAt, now);
      if (renewed !== undefined) {
        await stampState(ctx, migrationId, renewed, now);
        return renewed;
      }
    }
    if (round >= ACQUIRE_ROUNDS) {
      const latest = await getLock(ctx, migrationId);
      throw new LockHeldError(migrationId, latest?.owner ?? 'unknown', latest?.expiresAt ?? now, owner);
    }
  }
}

/** Extends a lease still held. Throws LockLostError if it expired, was released or taken over. */
export async function renew(ctx: StoreContext, migrationId: string, lease: Lease, leaseMs: number): Promise<Lease> {
  assertLeaseArgs(lease.owner, leaseMs);
  const now = ctx.now();
  const renewed = await extendLock(ctx, migrationId, lease, now + leaseMs, now);
  if (renewed === undefined) {
    const current = await getLock(ctx, migrationId);
    throw new LockLostError(migrationId, lease.owner, lease.token, describeLoss(current, lease, now));
  }
  await stampState(ctx, migrationId, renewed, now);
  return renewed;
}

/**
 * Marks the lock released (the item stays, so tokens keep growing) and ends the lease's write
 * rights on STATE. Returns false, and changes nothing, when this lease no longer holds the lock.
 */
export async function release(ctx: StoreContext, migrationId: string, lease: Lease): Promise<boolean> {
  const now = ctx.now();
  const releaseId = randomUUID();
  const released = await updateIf(ctx, {
    Key: lockKey(migrationId),
    UpdateExpression: 'SET #released = :true, releasedAt = :now, releaseId = :releaseId',
    ConditionExpression: '#owner = :owner AND #token = :token AND #released = :false',
    ExpressionAttributeNames: { '#owner': 'owner', '#token': 'token', '#released': 'released' },
    ExpressionAttributeValues: {
      ':true': true,
      ':false': false,
      ':now': now,
      ':releaseId': releaseId,
      ':owner': lease.owner,
      ':token': lease.token,
    },
  });
  // Our own earlier attempt may have landed with its answer lost; only then is this a success.
  if (released === undefined && (await readLockItem(ctx, migrationId))?.releaseId !== releaseId) return false;
  // A failed condition here (a higher fence or an already-past expiry) means the lease could not write anyway.
  await updateIf(ctx, {
    Key: stateKey(migrationId),
    UpdateExpression: 'SET leaseExpiresAt = :now',
    ConditionExpression: 'fenceToken = :token AND leaseExpiresAt > :now',
    ExpressionAttributeValues: { ':now': now, ':token': lease.token },
  });
  return true;
}

/** For operators and tests: the LOCK item as stored. */
export async function getLock(ctx: StoreContext, migrationId: string): Promise<LockRecord | undefined> {
  const item = await readLockItem(ctx, migrationId);
  if (item === undefined) return undefined;
  const { releaseId: _releaseId, ...record } = item;
  return record;
}

async function readLockItem(ctx: StoreContext, migrationId: string): Promise<LockItem | undefined> {
  const item = await getItem(ctx, lockKey(migrationId));
  return item === undefined ? undefined : (withoutKey(item) as unknown as LockItem);
}

/** A conditional write of the LOCK item (its condition and update use the four NAMES); undefined when the condition failed. */
function updateLockIf(ctx: StoreContext, migrationId: string, input: Omit<UpdateInput, 'Key' | 'ExpressionAttributeNames'>) {
  return updateIf(ctx, { Key: lockKey(migrationId), ExpressionAttributeNames: NAMES, ...input });
}

async function tryTakeLock(ctx: StoreContext, migrationId: string, owner: string, now: number, expiresAt: number): Promise<Lease | undefined> {
  const out = await updateLockIf(ctx, migrationId, {
    UpdateExpression:
      'SET #owner = :owner, #expiresAt = :expiresAt, acquiredAt = :now, #released = :false, ' +
      '#token = if_not_exists(#token, :zero) + :one REMOVE releasedAt, releaseId',
    ConditionExpression: 'attribute_not_exists(#token) OR #released = :true OR #expiresAt <= :now',
    ExpressionAttributeValues: {
      ':owner': owner,
      ':expiresAt': expiresAt,
      ':now': now,
      ':true': true,
      ':false': false,
      ':zero': 0,
      ':one': 1,
    },
    ReturnValues: 'ALL_NEW',
  });
  return out === undefined ? undefined : { owner, token: out.Attributes?.token as number, expiresAt };
}

async function extendLock(ctx: StoreContext, migrationId: string, lease: Lease, expiresAt: number, now: number): Promise<Lease | undefined> {
  const out = await updateLockIf(ctx, migrationId, {
    UpdateExpression: 'SET #expiresAt = :expiresAt',
    // `= :expiresAt` accepts our own earlier attempt of this very call whose answer was lost.
    ConditionExpression:
      '#owner = :owner AND #token = :token AND #released = :false AND (#expiresAt > :now OR #expiresAt = :expiresAt)',
    ExpressionAttributeValues: {
      ':owner': lease.owner,
      ':token': lease.token,
      ':false': false,
      ':now': now,
      ':expiresAt': expiresAt,
    },
  });
  return out === undefined ? undefined : { owner: lease.owner, token: lease.token, expiresAt };
}

/** Step 2 of acquire (and the second half of renew): records the fence on STATE. */
async function stampState(ctx: StoreContext, migrationId: string, lease: Lease, now: number): Promise<void> {
  const init = initialStateClauses(migrationId, now);
  const stamped = await updateIf(ctx, {
    Key: stateKey(migrationId),
    UpdateExpression: `SET fenceToken = :token, leaseExpiresAt = :expiresAt, leaseOwner = :owner, ${init.set.join(', ')}`,
    ConditionExpression: 'attribute_not_exists(fenceToken) OR fenceToken <= :token',
    ExpressionAttributeNames: init.names,
    ExpressionAttributeValues: {
      ...init.values,
      ':token': lease.token,
      ':expiresAt': lease.expiresAt,
      ':owner': lease.owner,
    },
  });
  if (stamped === undefined) {
    throw new LockLostError(migrationId, lease.owner, lease.token, 'another owner took the lock over with a higher token');
  }
}

function describeLoss(current: LockRecord | undefined, lease: Lease, now: number): string {
  if (current === undefined) return 'the lock item is gone';
  if (current.token !== lease.token) return `"${current.owner}" took the lock over with token ${current.token}`;
  if (current.released) return 'the lease was released';
  if (current.expiresAt <= now) return `the lease expired at ${new Date(current.expiresAt).toISOString()}`;
  return 'the lock changed while renewing';
}

function assertLeaseArgs(owner: string, leaseMs: number): void {
  if (owner.length === 0) throw new RangeError('lock owner must not be empty');
  if (!Number.isFinite(leaseMs) || leaseMs <= 0) throw new RangeError(`leaseMs must be positive, got ${leaseMs}`);
}
