import { gunzipSync, gzipSync } from 'node:zlib';
import { getItem, putItem, withoutKey, type StoreContext } from './context';
import { migrationPk } from './keys';

/**
 * What a write freeze changed on one database, kept so that a thaw (by the same workflow, a
 * back-out, a rollback, or an operator days later) puts back exactly that. Written before the
 * database is touched and never recomputed while frozen: once privileges are revoked, the
 * database no longer knows what they were.
 */
export interface FreezeRecord {
  readonly side: 'source' | 'target';
  /** `freezing`: the plan is stored, the database may or may not be frozen yet. */
  readonly status: 'freezing' | 'frozen' | 'thawed';
  /** Changes with each new freeze, so a late thaw of an older one cannot undo a newer one. */
  readonly freezeId: string;
  readonly method: 'revoke' | 'read-only';
  readonly roles: readonly string[];
  /** The database's own clock (epoch ms) when the freeze started. */
  readonly frozenAt: number;
  /** Epoch ms after which the freeze must end (source freezes in a cutover). */
  readonly deadline?: number;
  readonly runId: string;
  /** The lock owner (an execution ARN) that froze it. */
  readonly owner: string;
  readonly thawedAt?: number;
  /**
   * When every session the roles had at the freeze was gone (the database's clock): their writes
   * are settled and their statistics flushed (PostgreSQL 15+ flushes them as a backend exits).
   */
  readonly sessionsEndedAt?: number;
  /** The method's own plan: revoked grants or previous settings (see lambdas/shared/freeze). */
  readonly plan: unknown;
}

/** Plans above this are stored gzip-compressed (DynamoDB items are at most 400 KB). */
const COMPRESS_ABOVE_BYTES = 32 * 1024;

const freezeKey = (migrationId: string, side: string) => ({ pk: migrationPk(migrationId), sk: `FREEZE#${side}` });

export async function putFreeze(ctx: StoreContext, migrationId: string, record: FreezeRecord): Promise<void> {
  const { plan, ...rest } = record;
  const json = JSON.stringify(plan ?? null);
  const body = Buffer.byteLength(json) > COMPRESS_ABOVE_BYTES ? { planGzip: gzipSync(json) } : { planJson: json };
  await putItem(ctx, { ...freezeKey(migrationId, record.side), ...rest, ...body });
}

export async function getFreeze(ctx: StoreContext, migrationId: string, side: 'source' | 'target'): Promise<FreezeRecord | undefined> {
  const item = await getItem(ctx, freezeKey(migrationId, side));
  if (item === undefined) return undefined;
  const { planJson, planGzip, ...rest } = withoutKey(item);
  const json = typeof planJson === 'string' ? planJson : gunzipSync(planGzip as Uint8Array).toString('utf8');
  return { ...(rest as Omit<FreezeRecord, 'plan'>), plan: JSON.parse(json) as unknown };
}
