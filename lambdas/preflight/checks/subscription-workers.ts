import type { Database } from '../../shared/pg/connection';
import { PREFLIGHT_DEFAULTS, type CheckOutcome, type PreflightCheck, type Severity } from '../check';
import { readSettings } from '../catalog';
import { sentences, worst } from '../text';

export interface WorkerCapacity {
  readonly maxLogicalReplicationWorkers: number;
  readonly maxWorkerProcesses: number;
  readonly maxSyncWorkersPerSubscription: number;
  /** The setting that limits replication origins: max_active_replication_origins (PostgreSQL 18+), else max_replication_slots. */
  readonly originsSetting: string;
  readonly maxOrigins: number;
  /** Logical replication workers running now (other subscriptions). */
  readonly workersInUse: number;
  readonly originsInUse: number;
}

const SETTINGS = [
  'max_logical_replication_workers',
  'max_worker_processes',
  'max_sync_workers_per_subscription',
  'max_replication_slots',
  'max_active_replication_origins',
];

/**
 * A subscription runs on the target: an apply worker, plus one table-sync worker per table copied
 * in parallel, each tracking its progress in a replication origin.
 */
export function subscriptionWorkersResult(syncWorkers: number, c: WorkerCapacity): CheckOutcome {
  const need = 1 + syncWorkers;
  const problems: Array<{ severity: Severity; text: string; object: string }> = [];
  const freeWorkers = c.maxLogicalReplicationWorkers - c.workersInUse;
  if (freeWorkers < need) {
    problems.push({
      severity: 'error',
      object: 'max_logical_replication_workers',
      text: `The target has ${freeWorkers} of max_logical_replication_workers = ${c.maxLogicalReplicationWorkers} free; the subscription needs ${need} (1 apply worker and ${syncWorkers} table-sync workers). Raise it to at least ${c.workersInUse + need} (it takes a restart; RDS: DB parameter group, then reboot).`,
    });
  }
  const freeOrigins = c.maxOrigins - c.originsInUse;
  if (freeOrigins < need) {
    problems.push({
      severity: 'error',
      object: c.originsSetting,
      text: `The target has ${freeOrigins} of ${c.originsSetting} = ${c.maxOrigins} replication origins free; the subscription needs ${need}. Raise ${c.originsSetting} on the target to at least ${c.originsInUse + need} (it takes a restart).`,
    });
  }
  if (c.maxWorkerProcesses < c.maxLogicalReplicationWorkers + 1) {
    problems.push({
      severity: 'warning',
      object: 'max_worker_processes',
      text: `max_worker_processes = ${c.maxWorkerProcesses} on the target is below max_logical_replication_workers + 1 = ${c.maxLogicalReplicationWorkers + 1}, so replication workers may not start (parallel queries and extensions take from the same pool). Raise it (it takes a restart).`,
    });
  }
  if (c.maxSyncWorkersPerSubscription < syncWorkers) {
    problems.push({
      severity: 'warning',
      object: 'max_sync_workers_per_subscription',
      text: `max_sync_workers_per_subscription = ${c.maxSyncWorkersPerSubscription} on the target, so the initial copy runs ${c.maxSyncWorkersPerSubscription} table(s) at a time instead of syncWorkers = ${syncWorkers}. Raise it (ALTER SYSTEM SET max_sync_workers_per_subscription = ${syncWorkers}; SELECT pg_reload_conf(); RDS: parameter group, no reboot) or lower syncWorkers.`,
    });
  }
  if (problems.length === 0) {
    return {
      severity: 'ok',
      message: `The target can run the subscription: ${freeWorkers} logical replication workers and ${freeOrigins} replication origins free, ${need} needed.`,
      objects: [],
    };
  }
  return { severity: worst(problems.map((p) => p.severity)), message: sentences(...problems.map((p) => p.text)), objects: problems.map((p) => p.object) };
}

export async function readWorkerCapacity(db: Database): Promise<WorkerCapacity> {
  const [settings, [use]] = await Promise.all([
    readSettings(db, SETTINGS),
    db.query<{ workers: number; origins: number }>(`
      select (select count(*)::int from pg_catalog.pg_stat_subscription where pid is not null) as workers,
             (select count(*)::int from pg_catalog.pg_replication_origin) as origins`),
  ]);
  const num = (name: string) => Number(settings.get(name) ?? 0);
  const originsSetting = settings.has('max_active_replication_origins') ? 'max_active_replication_origins' : 'max_replication_slots';
  return {
    maxLogicalReplicationWorkers: num('max_logical_replication_workers'),
    maxWorkerProcesses: num('max_worker_processes'),
    maxSyncWorkersPerSubscription: num('max_sync_workers_per_subscription'),
    originsSetting,
    maxOrigins: num(originsSetting),
    workersInUse: use?.workers ?? 0,
    originsInUse: use?.origins ?? 0,
  };
}

export const subscriptionWorkers: PreflightCheck = {
  id: 'subscription-workers',
  title: 'The target can run the subscription: logical replication workers, replication origins, worker processes',
  engines: ['native'],
  databases: ['target'],
  run: async (ctx) => subscriptionWorkersResult(ctx.syncWorkers ?? PREFLIGHT_DEFAULTS.syncWorkers, await readWorkerCapacity(ctx.target)),
};
