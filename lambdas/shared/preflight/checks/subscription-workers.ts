import type { Database } from '../../pg/connection';
import type { CheckOutcome, PreflightCheck, Severity } from '../check';
import { readSettings } from '../catalog';
import { parallelCopiesNote } from '../needs';
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

/** An apply worker and one table-sync worker: the least with which the initial copy makes progress. */
const LEAST = 2;

/**
 * A subscription runs on the target: an apply worker, plus one table-sync worker per table copied
 * in parallel (up to the target's max_sync_workers_per_subscription), each tracking its progress
 * in a replication origin. With fewer free workers or origins than that the copy still runs, fewer
 * tables at a time; with fewer than an apply and one table-sync worker it cannot copy at all.
 */
export function subscriptionWorkersResult(c: WorkerCapacity): CheckOutcome {
  const copies = c.maxSyncWorkersPerSubscription;
  const need = 1 + Math.max(copies, 1);
  const problems: Array<{ severity: Severity; text: string; object: string }> = [];
  if (copies < 1) {
    problems.push({
      severity: 'error',
      object: 'max_sync_workers_per_subscription',
      text: `max_sync_workers_per_subscription = ${copies} on the target, so the subscription copies no table. Set it to at least 1 in the server's parameters (RDS: parameter group, no reboot).`,
    });
  }
  const freeWorkers = c.maxLogicalReplicationWorkers - c.workersInUse;
  const raiseWorkers = `Raise max_logical_replication_workers to at least ${c.workersInUse + need} (it takes a restart; RDS: DB parameter group, then reboot)`;
  if (freeWorkers < LEAST) {
    problems.push({
      severity: 'error',
      object: 'max_logical_replication_workers',
      text: `The target has ${freeWorkers} of max_logical_replication_workers = ${c.maxLogicalReplicationWorkers} free; the subscription needs at least ${LEAST} (1 apply worker and 1 table-sync worker), ${need} to copy ${copies} table(s) at a time. ${raiseWorkers}.`,
    });
  } else if (freeWorkers < need) {
    problems.push({
      severity: 'warning',
      object: 'max_logical_replication_workers',
      text: `The target has ${freeWorkers} of max_logical_replication_workers = ${c.maxLogicalReplicationWorkers} free, so the initial copy runs ${freeWorkers - 1} table(s) at a time instead of max_sync_workers_per_subscription = ${copies}. ${raiseWorkers}, or lower max_sync_workers_per_subscription.`,
    });
  }
  const freeOrigins = c.maxOrigins - c.originsInUse;
  const raiseOrigins = `Raise ${c.originsSetting} on the target to at least ${c.originsInUse + need} (it takes a restart)`;
  if (freeOrigins < LEAST) {
    problems.push({
      severity: 'error',
      object: c.originsSetting,
      text: `The target has ${freeOrigins} of ${c.originsSetting} = ${c.maxOrigins} replication origins free; the subscription needs at least ${LEAST}, ${need} to copy ${copies} table(s) at a time. ${raiseOrigins}.`,
    });
  } else if (freeOrigins < need) {
    problems.push({
      severity: 'warning',
      object: c.originsSetting,
      text: `The target has ${freeOrigins} of ${c.originsSetting} = ${c.maxOrigins} replication origins free, so at most ${freeOrigins - 1} table(s) are copied at a time instead of max_sync_workers_per_subscription = ${copies}. ${raiseOrigins}.`,
    });
  }
  if (c.maxWorkerProcesses < c.maxLogicalReplicationWorkers + 1) {
    problems.push({
      severity: 'warning',
      object: 'max_worker_processes',
      text: `max_worker_processes = ${c.maxWorkerProcesses} on the target is below max_logical_replication_workers + 1 = ${c.maxLogicalReplicationWorkers + 1}, so replication workers may not start (parallel queries and extensions take from the same pool). Raise it (it takes a restart).`,
    });
  }
  const note = parallelCopiesNote({ engine: 'native', parallelCopies: copies });
  if (problems.length === 0) {
    return {
      severity: 'ok',
      message: sentences(
        `The target can run the subscription: ${freeWorkers} logical replication workers and ${freeOrigins} replication origins free, ${need} needed (1 apply worker and ${copies} table-sync workers).`,
        note,
      ),
      objects: [],
    };
  }
  return { severity: worst(problems.map((p) => p.severity)), message: sentences(...problems.map((p) => p.text), note), objects: problems.map((p) => p.object) };
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
  run: async (ctx) => subscriptionWorkersResult(await readWorkerCapacity(ctx.target)),
};
