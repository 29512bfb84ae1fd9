import { gunzipSync, gzipSync } from 'node:zlib';
import { TransientError } from '../errors';
import { getItem, updateIf, type StoreContext } from './context';
import { migrationPk } from './keys';

/**
 * The `MIGRATION#<id>` / `VERIFY` item: what change capture and continuous verification know
 * about a migration (see lambdas/shared/verification). One writer at a time: a verification round,
 * the capture start, a cutover's final check or the monitor takes the item's own lease first, and
 * every write of the body is conditioned on holding it. The lease is separate from the migration
 * lock on purpose: scheduled rounds must run while the migrate workflow holds that lock for hours
 * (the full comparison), so that no capture slot holds more than about one round of WAL.
 *
 * Clock assumption as in lock.ts: writers' clocks agree within a small skew, and leases are far
 * longer than it.
 */

/** One capture slot, and the WAL position from which it records every committed change. */
export interface CaptureSlotRef {
  readonly name: string;
  /** The slot's consistent point: changes committed after it are decoded. */
  readonly startLsn: string;
}

export type Side = 'source' | 'target';

/** A key that did not compare equal in a round, until a later round or a full comparison clears it. */
export interface UnresolvedKey {
  /** `schema.table` */
  readonly table: string;
  /** Key column values as text, in key order. */
  readonly key: readonly string[];
  /**
   * `suspect`: differed, but the row changed again since, so it is not proven (the next round
   * compares it again); `difference`: differed after the settle delay although neither side
   * changed it: replication did not make the two equal.
   */
  readonly status: 'suspect' | 'difference';
  /** `missing`: on the side clients write to and not on the other; `extra`: the reverse. */
  readonly kind: 'missing' | 'extra' | 'changed';
  /** For `changed`: the columns whose values differ. */
  readonly columns: readonly string[];
  /** Epoch ms. */
  readonly firstSeenAt: number;
  readonly lastSeenAt: number;
}

/** A table that only a whole comparison can verify again (a TRUNCATE, or a change whose key decoding cannot tell). */
export interface TableToCompare {
  readonly table: string;
  readonly reason: string;
  /** Epoch ms. */
  readonly at: number;
}

export interface VerifiedThrough {
  /** Every change committed on each side before these positions has been verified. */
  readonly source: string;
  readonly target: string;
  /** Epoch ms when the positions were read: the round's evidence is this old. */
  readonly at: number;
}

export interface RoundSummary {
  /** `live` (replication running), `frozen` (cutover or rollback with writes frozen). */
  readonly mode: 'live' | 'frozen';
  readonly direction: 'forward' | 'reverse';
  readonly at: number;
  readonly durationMs: number;
  /** Change records decoded on each side. */
  readonly changes: { readonly source: number; readonly target: number };
  readonly keysVerified: number;
  readonly tablesCompared: number;
  readonly suspects: number;
  readonly differences: number;
  /** The round stopped at its change cap: more changes wait for the next round. */
  readonly behind: boolean;
}

export interface VerificationRecord {
  readonly migrationId: string;
  /** Changes with every new capture; a full comparison counts only for the capture it ran under. */
  readonly captureId: string;
  /** The migrate run that started the capture. */
  readonly runId: string;
  /** `lost`: a slot was dropped or invalidated, so only a new capture and full comparison prove anything again. */
  readonly status: 'capturing' | 'lost' | 'dropped';
  /** Epoch ms. */
  readonly startedAt: number;
  readonly slots: Readonly<Record<Side, CaptureSlotRef>>;
  /** The full comparison run under this capture (it started after the capture did). */
  readonly fullComparison?: { readonly runId: string; readonly startedAt: number; readonly finishedAt: number; readonly equal: boolean };
  readonly verifiedThrough?: VerifiedThrough;
  readonly unresolved: readonly UnresolvedKey[];
  readonly tablesToCompare: readonly TableToCompare[];
  readonly lost?: { readonly reason: string; readonly at: number };
  readonly rounds: number;
  readonly lastRound?: RoundSummary;
}

export interface VerificationLease {
  readonly owner: string;
  /** Epoch ms. */
  readonly expiresAt: number;
}

export type LeaseAttempt =
  | { readonly acquired: true; readonly lease: VerificationLease }
  | { readonly acquired: false; readonly holder: string; readonly expiresAt: number };

/** The lease ran out or was taken over before the write: the round's result is not stored; trying again is safe. */
export class VerificationLeaseLostError extends TransientError {
  override readonly name = 'VerificationLeaseLostError';
}

export const VERIFY_SK = 'VERIFY';
const verifyKey = (migrationId: string) => ({ pk: migrationPk(migrationId), sk: VERIFY_SK });

/** Bodies above this are stored gzip-compressed (DynamoDB items are at most 400 KB). */
const COMPRESS_ABOVE_BYTES = 64 * 1024;

function readItem(ctx: StoreContext, migrationId: string): Promise<Record<string, unknown> | undefined> {
  return getItem(ctx, verifyKey(migrationId));
}

export async function getVerification(ctx: StoreContext, migrationId: string): Promise<VerificationRecord | undefined> {
  const item = (await readItem(ctx, migrationId)) as { bodyJson?: string; bodyGzip?: Uint8Array } | undefined;
  if (item?.bodyJson !== undefined) return JSON.parse(item.bodyJson) as VerificationRecord;
  if (item?.bodyGzip !== undefined) return JSON.parse(gunzipSync(item.bodyGzip).toString('utf8')) as VerificationRecord;
  return undefined;
}

/** Takes the lease when it is free, expired, or already ours (then it is extended). */
export async function acquireVerificationLease(ctx: StoreContext, migrationId: string, owner: string, leaseMs: number): Promise<LeaseAttempt> {
  if (owner.length === 0 || !(leaseMs > 0)) throw new RangeError('a verification lease needs an owner and a positive duration');
  const now = ctx.now();
  const lease = { owner, expiresAt: now + leaseMs };
  const taken = await updateIf(ctx, {
    Key: verifyKey(migrationId),
    UpdateExpression: 'SET leaseOwner = :owner, leaseExpiresAt = :expiresAt',
    ConditionExpression: 'attribute_not_exists(leaseExpiresAt) OR leaseExpiresAt <= :now OR leaseOwner = :owner',
    ExpressionAttributeValues: { ':owner': owner, ':expiresAt': lease.expiresAt, ':now': now },
  });
  if (taken !== undefined) return { acquired: true, lease };
  const item = ((await readItem(ctx, migrationId)) ?? {}) as { leaseOwner?: string; leaseExpiresAt?: number };
  return { acquired: false, holder: item.leaseOwner ?? 'unknown', expiresAt: item.leaseExpiresAt ?? now };
}

/** Ends the lease if we still hold it; false when it was no longer ours. */
export async function releaseVerificationLease(ctx: StoreContext, migrationId: string, lease: VerificationLease): Promise<boolean> {
  const released = await updateIf(ctx, {
    Key: verifyKey(migrationId),
    UpdateExpression: 'REMOVE leaseOwner, leaseExpiresAt',
    ConditionExpression: 'leaseOwner = :owner AND leaseExpiresAt = :expiresAt',
    ExpressionAttributeValues: { ':owner': lease.owner, ':expiresAt': lease.expiresAt },
  });
  return released !== undefined;
}

/** Stores the record, only while `lease` holds the item (VerificationLeaseLostError otherwise). */
export async function putVerification(ctx: StoreContext, record: VerificationRecord, lease: VerificationLease): Promise<void> {
  const json = JSON.stringify(record);
  const compressed = Buffer.byteLength(json) > COMPRESS_ABOVE_BYTES;
  const now = ctx.now();
  const stored = await updateIf(ctx, {
    Key: verifyKey(record.migrationId),
    UpdateExpression: compressed ? 'SET bodyGzip = :body REMOVE bodyJson' : 'SET bodyJson = :body REMOVE bodyGzip',
    ConditionExpression: 'leaseOwner = :owner AND leaseExpiresAt = :expiresAt AND leaseExpiresAt > :now',
    ExpressionAttributeValues: { ':body': compressed ? gzipSync(json) : json, ':owner': lease.owner, ':expiresAt': lease.expiresAt, ':now': now },
  });
  if (stored === undefined) {
    throw new VerificationLeaseLostError(
      `The verification lease of migration "${record.migrationId}" held by "${lease.owner}" expired or was taken over before its result was stored; ` +
        'nothing was recorded, and the next round verifies the same changes again.',
    );
  }
}
