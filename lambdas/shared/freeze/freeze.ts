import { randomUUID } from 'node:crypto';
import type { CheckpointStore, FreezeRecord } from '../checkpoints';
import type { FreezeConfig } from '../migration-config';
import type { Database } from '../pg/connection';
import type { TableName } from '../pg/identifiers';
import { FreezeIncompleteError } from './errors';
import { applyReadOnly, planReadOnly, restoreReadOnly, type ReadOnlyPlan } from './read-only';
import { applyRevoke, planRevoke, restoreGrants, type RevokePlan } from './revoke';
import { resolveFreezeRoles } from './roles';
import { endOpenWrites, endSessions, endSessionsAndWait } from './sessions';

export type Side = 'source' | 'target';

export interface FreezeRequest {
  readonly db: Database;
  readonly store: CheckpointStore;
  readonly migrationId: string;
  readonly side: Side;
  readonly config: FreezeConfig;
  /** The migrated tables on that database (what `revoke` revokes on). */
  readonly tables: readonly TableName[];
  readonly runId: string;
  readonly owner: string;
  /** Epoch ms by which the freeze must be in place and, for a bounded freeze, end. */
  readonly deadline: number;
  /** Whether `deadline` also bounds the freeze itself (stored, so later steps and thaws see it). */
  readonly bounded: boolean;
  readonly now: () => number;
}

export interface FreezeOutcome {
  readonly action: 'frozen' | 'already-frozen';
  readonly side: Side;
  readonly freezeId: string;
  readonly method: FreezeConfig['method'];
  readonly roles: readonly string[];
  /** Epoch ms by which the freeze must end; absent when unbounded. */
  readonly deadline?: number;
  readonly privilegesRevoked: number;
  readonly transactionsEnded: number;
  readonly message: string;
}

/**
 * Freezes the application's writes on one database: stores the plan (what will be revoked or
 * changed) in the checkpoint table first, then applies it, then ends or waits out the write
 * transactions already open. A repeated call (Lambda retry, resumed run) finds the stored plan and
 * applies it again rather than reading a plan from a half-frozen database.
 */
export async function freezeWrites(req: FreezeRequest): Promise<FreezeOutcome> {
  const existing = await req.store.getFreeze(req.migrationId, req.side);
  const reuse = existing !== undefined && existing.status !== 'thawed';
  const record: FreezeRecord = reuse ? existing : await newRecord(req);
  if (!reuse) await req.store.putFreeze(req.migrationId, record);

  let transactionsEnded: number;
  let sessionsEndedAt: number | undefined;
  if (record.method === 'revoke') {
    try {
      await applyRevoke(req.db, record.plan as RevokePlan, record.roles, req.tables);
    } catch (error) {
      // The revoke was rolled back, so this new freeze changed nothing. Left as `freezing`, the
      // workflow's thaw would grant the plan (adding grants that were never revoked, e.g. beside
      // one made by another grantor) and a retry with a corrected freeze.roles would reuse this plan.
      if (!reuse && error instanceof FreezeIncompleteError) {
        await req.store.putFreeze(req.migrationId, { ...record, status: 'thawed', thawedAt: record.frozenAt });
      }
      throw error;
    }
    const deadline = record.deadline ?? req.deadline;
    if (req.config.openTransactions === 'terminate') {
      // Every session that existed before the revoke is ended: no write in flight can commit, and
      // each flushes its statistics as it exits, so the final comparison need not wait for them.
      // Sessions opened after the revoke cannot write.
      const ended = await endSessionsAndWait(req.db, record.roles, { deadline, now: req.now });
      transactionsEnded = ended.ended;
      sessionsEndedAt = ended.endedAt;
    } else {
      transactionsEnded = (await endOpenWrites(req.db, record.roles, 'wait', { deadline, now: req.now })).terminated;
    }
  } else {
    await applyReadOnly(req.db, record.plan as ReadOnlyPlan);
    // Sessions opened before the change are still writable: end them all, then any write still in flight.
    const ended = await endSessionsAndWait(req.db, record.roles, { deadline: record.deadline ?? req.deadline, now: req.now });
    transactionsEnded = ended.ended;
    sessionsEndedAt = ended.endedAt;
    await endOpenWrites(req.db, record.roles, 'terminate', { deadline: record.deadline ?? req.deadline, now: req.now });
  }
  if (record.status !== 'frozen' || sessionsEndedAt !== undefined) {
    await req.store.putFreeze(req.migrationId, { ...record, status: 'frozen', ...(sessionsEndedAt === undefined ? {} : { sessionsEndedAt }) });
  }
  const revoked = record.method === 'revoke' ? (record.plan as RevokePlan).grants.length : 0;
  return {
    action: reuse ? 'already-frozen' : 'frozen',
    side: req.side,
    freezeId: record.freezeId,
    method: record.method,
    roles: record.roles,
    ...(record.deadline === undefined ? {} : { deadline: record.deadline }),
    privilegesRevoked: revoked,
    transactionsEnded,
    message:
      `Writes of ${record.roles.length === 0 ? 'no roles' : record.roles.map((r) => `"${r}"`).join(', ')} frozen on the ${req.side} ` +
      `(${record.method === 'revoke' ? `${revoked} privileges revoked` : 'read-only by default, sessions ended'}; ${transactionsEnded} ended).`,
  };
}

async function newRecord(req: FreezeRequest): Promise<FreezeRecord> {
  const roles = await resolveFreezeRoles(req.db, req.config.roles);
  const plan = req.config.method === 'revoke' ? await planRevoke(req.db, roles, req.tables) : await planReadOnly(req.db, roles);
  const [{ now }] = (await req.db.query<{ now: Date }>('select now() as now')) as [{ now: Date }];
  return {
    side: req.side,
    status: 'freezing',
    freezeId: randomUUID(),
    method: req.config.method,
    roles,
    frozenAt: now.getTime(),
    ...(req.bounded ? { deadline: req.deadline } : {}),
    runId: req.runId,
    owner: req.owner,
    plan,
  };
}

export interface ThawOutcome {
  readonly action: 'thawed' | 'not-frozen';
  readonly side: Side;
  readonly freezeId?: string;
  /** How long writes were frozen (the database's clock), when thawed now. */
  readonly frozenMs?: number;
  readonly message: string;
}

/**
 * Puts back what the stored freeze changed; `not-frozen` when there is nothing to thaw. For the
 * read-only method, the sessions opened during the freeze are read-only and are ended, so their
 * clients reconnect writable. Safe to repeat.
 */
export async function thawWrites(req: Pick<FreezeRequest, 'db' | 'store' | 'migrationId' | 'side' | 'now'>): Promise<ThawOutcome> {
  const record = await req.store.getFreeze(req.migrationId, req.side);
  if (record === undefined || record.status === 'thawed') {
    return { action: 'not-frozen', side: req.side, message: `Writes on the ${req.side} were not frozen; nothing to thaw.` };
  }
  if (record.method === 'revoke') await restoreGrants(req.db, record.plan as RevokePlan);
  else {
    await restoreReadOnly(req.db, record.plan as ReadOnlyPlan);
    await endSessions(req.db, record.roles, new Date(record.frozenAt));
  }
  const [{ now }] = (await req.db.query<{ now: Date }>('select now() as now')) as [{ now: Date }];
  await req.store.putFreeze(req.migrationId, { ...record, status: 'thawed', thawedAt: now.getTime() });
  const frozenMs = now.getTime() - record.frozenAt;
  return { action: 'thawed', side: req.side, freezeId: record.freezeId, frozenMs, message: `Writes on the ${req.side} thawed after ${frozenMs} ms.` };
}

export { endSessions };
