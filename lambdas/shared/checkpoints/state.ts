import { randomUUID } from 'node:crypto';
import {
  ForbiddenTransitionError,
  LockLostError,
  MigrationNotFoundError,
  StaleVersionError,
} from '../errors';
import { getItem, update, updateIf, withoutKey, type StoreContext } from './context';
import { stateKey } from './keys';
import type { Lease } from './lock';
import { ALLOWED_TRANSITIONS, isAllowedTransition, isPhase, type Phase } from './phases';

/** Enough to see how the migration got here; the item stays far below DynamoDB's 400 KB. */
export const HISTORY_LIMIT = 20;

export interface TransitionRecord {
  readonly from: Phase;
  readonly to: Phase;
  /** The version the transition produced. */
  readonly version: number;
  /** ISO-8601. */
  readonly at: string;
  readonly reason: string;
  /** The lease owner that made the transition, if it held the lock. */
  readonly by?: string;
}

export interface MigrationState {
  readonly migrationId: string;
  readonly phase: Phase;
  /** Increases by one with every transition; writes are conditioned on it. */
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly reason: string;
  /** The last `HISTORY_LIMIT` transitions, oldest first. */
  readonly history: readonly TransitionRecord[];
  /** Highest fencing token issued by the lock; writes under a lease must carry exactly this. */
  readonly fenceToken?: number;
  /** Epoch ms after which writes under `fenceToken` are refused. */
  readonly leaseExpiresAt?: number;
  readonly leaseOwner?: string;
}

export interface TransitionRequest {
  readonly to: Phase;
  /** The `version` of the state the caller based its decision on. */
  readonly expectedVersion: number;
  /** Why, for the history (operators read it). */
  readonly reason: string;
  /** Workflows pass the lease they hold; the write is then fenced (see lock.ts). */
  readonly lease?: Lease;
}

interface StateItem extends MigrationState {
  /** Lets a retried write recognise that its earlier attempt had landed. */
  readonly lastWriteId?: string;
}

/**
 * The SET clauses that create a `new` state when the item is absent and leave an existing one
 * alone. `ensureState` and the lock's fence stamp both use them, so whichever writes first, the
 * STATE item is always complete (never a bare fence).
 */
export function initialStateClauses(migrationId: string, now: number) {
  return {
    set: [
      'migrationId = if_not_exists(migrationId, :initId)',
      '#phase = if_not_exists(#phase, :initPhase)',
      '#version = if_not_exists(#version, :initVersion)',
      'createdAt = if_not_exists(createdAt, :initAt)',
      'updatedAt = if_not_exists(updatedAt, :initAt)',
      '#reason = if_not_exists(#reason, :initReason)',
      '#history = if_not_exists(#history, :initHistory)',
    ],
    names: { '#phase': 'phase', '#version': 'version', '#reason': 'reason', '#history': 'history' },
    values: {
      ':initId': migrationId,
      ':initPhase': 'new' satisfies Phase,
      ':initVersion': 1,
      ':initAt': new Date(now).toISOString(),
      ':initReason': 'created',
      ':initHistory': [],
    },
  };
}

export async function getState(ctx: StoreContext, migrationId: string): Promise<MigrationState | undefined> {
  const item = await readStateItem(ctx, migrationId);
  return item === undefined ? undefined : publicState(item);
}

/** Creates the state in phase `new` at version 1 if it does not exist; otherwise returns it. */
export async function ensureState(ctx: StoreContext, migrationId: string): Promise<MigrationState> {
  const init = initialStateClauses(migrationId, ctx.now());
  const out = await update(ctx, {
    Key: stateKey(migrationId),
    UpdateExpression: `SET ${init.set.join(', ')}`,
    ExpressionAttributeNames: init.names,
    ExpressionAttributeValues: init.values,
    ReturnValues: 'ALL_NEW',
  });
  return publicState(parseState(out.Attributes));
}

/**
 * Moves the migration to `request.to`. Checks are made on a fresh read first, so that a refused
 * transition writes nothing; the write itself is conditioned on the same facts (version, phase,
 * fence), so a concurrent writer cannot slip in between the read and the write.
 */
export async function transition(
  ctx: StoreContext,
  migrationId: string,
  request: TransitionRequest,
): Promise<MigrationState> {
  const { to, expectedVersion, reason, lease } = request;
  const now = ctx.now();
  const current = await readStateItem(ctx, migrationId);
  if (current === undefined) throw new MigrationNotFoundError(migrationId);
  if (lease !== undefined) assertLeaseValid(migrationId, current, lease, now);
  if (current.version !== expectedVersion) {
    throw new StaleVersionError(migrationId, expectedVersion, current.version, current.phase);
  }
  if (!isAllowedTransition(current.phase, to)) {
    throw new ForbiddenTransitionError(migrationId, current.phase, to, ALLOWED_TRANSITIONS[current.phase]);
  }

  const at = new Date(now).toISOString();
  const entry: TransitionRecord = {
    from: current.phase,
    to,
    version: expectedVersion + 1,
    at,
    reason,
    // Spelled out rather than `by: undefined`, which a client without removeUndefinedValues rejects.
    ...(lease === undefined ? {} : { by: lease.owner }),
  };
  const history = [...current.history, entry].slice(-HISTORY_LIMIT);
  const writeId = randomUUID();
  const fence = lease === undefined ? '' : ' AND fenceToken = :token AND leaseExpiresAt > :now';
  const out = await updateIf(ctx, {
    Key: stateKey(migrationId),
    UpdateExpression:
      'SET #phase = :to, #version = :next, updatedAt = :at, #reason = :reason, #history = :history, lastWriteId = :writeId',
    ConditionExpression: `#version = :expected AND #phase = :from${fence}`,
    ExpressionAttributeNames: { '#phase': 'phase', '#version': 'version', '#reason': 'reason', '#history': 'history' },
    ExpressionAttributeValues: {
      ':to': to,
      ':next': expectedVersion + 1,
      ':at': at,
      ':reason': reason,
      ':history': history,
      ':writeId': writeId,
      ':expected': expectedVersion,
      ':from': current.phase,
      ...(lease === undefined ? {} : { ':token': lease.token, ':now': now }),
    },
    ReturnValues: 'ALL_NEW',
  });
  if (out !== undefined) return publicState(parseState(out.Attributes));
  // The condition failed. DynamoDB does not say which part (and dynalite ignores
  // ReturnValuesOnConditionCheckFailure), so read the item again and tell the causes apart.
  const after = await readStateItem(ctx, migrationId);
  if (after === undefined) throw new MigrationNotFoundError(migrationId);
  if (after.lastWriteId === writeId) return publicState(after);
  if (lease !== undefined) assertLeaseValid(migrationId, after, lease, now);
  throw new StaleVersionError(migrationId, expectedVersion, after.version, after.phase);
}

function assertLeaseValid(migrationId: string, state: StateItem, lease: Lease, now: number): void {
  const { fenceToken, leaseExpiresAt, leaseOwner } = state;
  let problem: string | undefined;
  if (fenceToken === undefined || fenceToken < lease.token) {
    problem = 'the lease was never recorded on the state; acquire the lock again';
  } else if (fenceToken > lease.token) {
    problem = `"${leaseOwner ?? 'another owner'}" took the lock over with token ${fenceToken}`;
  } else if (leaseExpiresAt === undefined || leaseExpiresAt <= now) {
    const when = leaseExpiresAt === undefined ? 'unknown' : new Date(leaseExpiresAt).toISOString();
    problem = `the lease expired or was released at ${when}`;
  }
  if (problem !== undefined) throw new LockLostError(migrationId, lease.owner, lease.token, problem);
}

async function readStateItem(ctx: StoreContext, migrationId: string): Promise<StateItem | undefined> {
  const item = await getItem(ctx, stateKey(migrationId));
  return item === undefined ? undefined : parseState(item);
}

function parseState(item: Record<string, unknown> | undefined): StateItem {
  if (item === undefined || !isPhase(item.phase) || typeof item.version !== 'number') {
    throw new Error(`checkpoint table: STATE item is malformed: ${JSON.stringify(item)}`);
  }
  return item as unknown as StateItem;
}

function publicState(item: StateItem): MigrationState {
  const { lastWriteId: _lastWriteId, ...state } = item;
  return withoutKey(state);
}
