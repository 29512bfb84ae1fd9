import { z } from 'zod';
import { METRICS, publishMetric } from '../shared/catalog/metrics';
import { PHASES, type Phase } from '../shared/checkpoints';
import { parseInput } from '../shared/input';
import type { ReplicationEngine, ReplicationState, ReplicationStatus } from '../shared/replication/engine';
import { estimatedRowsByTable, writeTotals } from '../shared/replication/progress';
import { fullLoadProgress, fullLoadStartedAt, type LoadTiming, type TableLoad } from '../shared/replication/progress-eta';
import { withEngine, type OpenDatabases, type StepRuntime } from '../shared/runtime';
import { guardCapture } from '../shared/verification/run';

/**
 * Publishes, once a minute (an EventBridge schedule), each migration's replication health and lag
 * as metrics; the rollback alarms watch them (lib/constructs/rollback-alarms.ts). Also what the
 * dashboard and the stall alarm read (lib/constructs/dashboard.ts, stall-alarm.ts): the phase,
 * the full load's progress and estimated time left, the running totals of writes on both sides, and the verification's
 * age. The metrics are entries of lambdas/shared/catalog/metrics.ts, which those alarms name too.
 */
export const REPLICATION_LAG_METRIC = METRICS.replicationLagSeconds.name;
export const REPLICATION_HEALTHY_METRIC = METRICS.replicationHealthy.name;

/** `{"migrationIds": ["orders", ...]}`: the schedule rule's input, every configured migration. */
export const ReplicationMonitorInputSchema = z.strictObject({
  migrationIds: z.array(z.string().min(1)).min(1, 'must name at least one migration'),
});

/**
 * The phases in which replication must run: forward until the cutover, target -> source once cut
 * over (what a rollback drains). In the other phases nothing is published, and the alarms, which
 * treat missing data as not breaching, stay quiet.
 */
export const MONITORED_PHASES: readonly Phase[] = ['replicating', 'ready', 'cutting-over', 'cut-over'];

/** States of a replication that is doing its job (a full load or a start in progress counts). */
const RUNNING_STATES: ReadonlySet<ReplicationState> = new Set(['starting', 'full-load', 'cdc']);

/**
 * How long one migration may take to answer. The function has a minute; a database that does not
 * answer within this is reported unhealthy rather than letting the whole run time out and publish
 * nothing for anyone.
 */
export const OBSERVE_TIMEOUT_MS = 40_000;

export type MigrationHealth =
  | { readonly migrationId: string; readonly observed: false; readonly phase: Phase | 'none' }
  | {
      readonly migrationId: string;
      readonly observed: true;
      readonly phase?: Phase;
      /** The replication looked at: forward (source -> target) or reverse (after cutover). */
      readonly direction?: 'forward' | 'reverse';
      readonly state?: ReplicationState;
      readonly healthy: boolean;
      /** Null when not streaming or not known: then no lag datapoint is published. */
      readonly lagSeconds: number | null;
      /** Why it is unhealthy, or why the lag is unknown. */
      readonly problem?: string;
      /** Full-load progress and write totals, while the replication copies or streams. */
      readonly progress?: ReplicationProgress;
      /** Why the progress could not be read (the health above stands). */
      readonly progressProblem?: string;
    };

/** One minute's progress readings; a reading the engine or database does not give is absent. */
export interface ReplicationProgress {
  readonly tablesPending: number;
  readonly tablesLoading: number;
  /** While the full load runs. */
  readonly rowsCopied?: number;
  /** While the full load runs, when the source's planner has an estimate for every table. */
  readonly rowsEstimated?: number;
  /** While the full load runs: average rows per second since it started, once known. */
  readonly rowsPerSecond?: number;
  /** While the full load runs: seconds left at that rate, when known (lambdas/shared/replication/progress-eta.ts). */
  readonly estimatedSecondsLeft?: number;
  /** Running total of rows written in the replicated tables where the replication reads them. */
  readonly changesWritten: number;
  /** The same where the replication writes them. */
  readonly changesApplied: number;
}

export interface ReplicationMonitorOutput {
  readonly migrations: readonly MigrationHealth[];
}

export interface ReplicationMonitorOptions {
  /** @default OBSERVE_TIMEOUT_MS */
  readonly timeoutMs?: number;
}

/**
 * One look at every migration, all at once and each on its own: a migration whose database, engine
 * or checkpoint cannot be read is published unhealthy (ReplicationHealthy 0) with the reason in
 * the output, and the others are still looked at. Never throws for one migration's failure.
 */
export async function replicationMonitorStep(event: unknown, runtime: StepRuntime, options: ReplicationMonitorOptions = {}): Promise<ReplicationMonitorOutput> {
  const input = parseInput(ReplicationMonitorInputSchema, event);
  const timeoutMs = options.timeoutMs ?? OBSERVE_TIMEOUT_MS;
  const migrations = await Promise.all(
    [...new Set(input.migrationIds)].map((id) =>
      withTimeout(observe(id, runtime), timeoutMs, `did not answer within ${timeoutMs / 1000} s`).catch(
        (error: unknown): MigrationHealth => ({ migrationId: id, observed: true, healthy: false, lagSeconds: null, problem: messageOf(error) }),
      ),
    ),
  );
  await Promise.all(migrations.map((health) => publishPhaseAndAge(runtime, health.migrationId).catch(() => undefined)));
  for (const health of migrations) {
    if (!health.observed) continue;
    // The capture slots' WAL (metric and limit), each migration on its own like the rest.
    await withTimeout(guardCapture(runtime, health.migrationId, 'replication-monitor'), timeoutMs, 'capture check timed out').catch(() => undefined);
    const dimensions = { migrationId: health.migrationId };
    publishMetric(runtime.metrics, METRICS.replicationHealthy, health.healthy ? 1 : 0, dimensions);
    if (health.lagSeconds !== null) publishMetric(runtime.metrics, METRICS.replicationLagSeconds, health.lagSeconds, dimensions);
    if (health.progress) publishProgress(runtime, health.progress, dimensions);
  }
  return { migrations };
}

/**
 * The phase of every migration that has one (whatever the phase: the dashboard shows them all),
 * and the age of its verification while it captures. The verification rounds publish the age too,
 * but only when a round runs: published here every minute, a verification that stopped shows as
 * an age that keeps growing instead of a line that ends.
 */
async function publishPhaseAndAge(runtime: StepRuntime, migrationId: string): Promise<void> {
  const dimensions = { migrationId };
  const state = await runtime.store.getState(migrationId);
  if (state) publishMetric(runtime.metrics, METRICS.migrationPhase, PHASES.indexOf(state.phase), dimensions);
  const verification = await runtime.store.getVerification(migrationId);
  if (verification?.status === 'capturing' && verification.verifiedThrough) {
    publishMetric(runtime.metrics, METRICS.verificationAgeSeconds, Math.max(0, (runtime.now() - verification.verifiedThrough.at) / 1000), dimensions);
  }
}

function publishProgress(runtime: StepRuntime, progress: ReplicationProgress, dimensions: { readonly migrationId: string }): void {
  publishMetric(runtime.metrics, METRICS.tablesPending, progress.tablesPending, dimensions);
  publishMetric(runtime.metrics, METRICS.tablesLoading, progress.tablesLoading, dimensions);
  if (progress.rowsCopied !== undefined) publishMetric(runtime.metrics, METRICS.rowsCopied, progress.rowsCopied, dimensions);
  if (progress.rowsEstimated !== undefined) publishMetric(runtime.metrics, METRICS.rowsEstimated, progress.rowsEstimated, dimensions);
  if (progress.estimatedSecondsLeft !== undefined) publishMetric(runtime.metrics, METRICS.fullLoadSecondsLeft, progress.estimatedSecondsLeft, dimensions);
  publishMetric(runtime.metrics, METRICS.changesWritten, progress.changesWritten, dimensions);
  publishMetric(runtime.metrics, METRICS.changesApplied, progress.changesApplied, dimensions);
}

/**
 * The progress of a replication that copies or streams. The databases it reads from and writes to
 * swap with the direction: forward, source -> target; reverse (cut over), target -> source.
 * `timing` dates the full load, for its rate and time left (fullLoadProgress).
 */
export async function readProgress(
  status: ReplicationStatus & { readonly state: 'full-load' | 'cdc' },
  direction: 'forward' | 'reverse',
  dbs: OpenDatabases,
  timing: LoadTiming,
): Promise<ReplicationProgress> {
  const [from, to] = direction === 'forward' ? [dbs.source, dbs.target] : [dbs.target, dbs.source];
  const tables = status.tables.map((t) => t.table);
  const [written, applied] = await Promise.all([writeTotals(from, tables), writeTotals(to, tables)]);
  const base = {
    tablesPending: status.tables.filter((t) => t.state !== 'loaded').length,
    tablesLoading: status.tables.filter((t) => t.state === 'loading').length,
    changesWritten: written.changes,
    changesApplied: applied.changes,
  };
  if (status.state !== 'full-load') return base;
  // Both engines count each table's rows (DMS: FullLoadRows; native: its COPY and inserts on the
  // target); where an engine gives no count, the target's insert total stands in for the sum.
  const engineCounts = status.tables.every((t) => t.state === 'pending' || t.rowsCopied !== undefined);
  const estimates = await estimatedRowsByTable(from, tables);
  const load = fullLoadProgress(
    status.tables.map((t): TableLoad => ({ ...t, ...(estimates.has(t.table) ? { rowsEstimated: estimates.get(t.table) } : {}) })),
    timing,
  );
  // Without the engine's counts there is no rate either (fullLoadProgress), so no time left.
  return {
    ...base,
    rowsCopied: engineCounts ? load.rowsCopied : applied.inserted,
    ...(load.rowsEstimated === null ? {} : { rowsEstimated: load.rowsEstimated }),
    ...(load.rowsPerSecond === null ? {} : { rowsPerSecond: load.rowsPerSecond }),
    ...(load.estimatedSecondsLeft === null ? {} : { estimatedSecondsLeft: load.estimatedSecondsLeft }),
  };
}

async function observe(migrationId: string, runtime: StepRuntime): Promise<MigrationHealth> {
  const migration = runtime.migration(migrationId);
  const state = await runtime.store.getState(migrationId);
  const phase = state?.phase;
  if (phase === undefined || !MONITORED_PHASES.includes(phase)) return { migrationId, observed: false, phase: phase ?? 'none' };
  return withEngine(runtime, migration, async (forward, dbs) => {
    const engine = await engineInUse(forward, phase);
    if (engine === undefined) {
      return {
        migrationId,
        observed: true,
        phase,
        direction: 'reverse',
        healthy: false,
        lagSeconds: null,
        problem: 'the migration is cut over but no reverse replication (target to source) is set up: a rollback would lose the writes made on the target',
      };
    }
    const status = await engine.status();
    const healthy = RUNNING_STATES.has(status.state);
    const base = { migrationId, observed: true as const, phase, direction: engine.direction, state: status.state, healthy };
    if (!healthy) {
      const why = status.state === 'failed' ? status.cause : 'detail' in status ? status.detail : 'it does not exist';
      return { ...base, lagSeconds: null, problem: `${engine.direction} replication is ${status.state} in phase ${phase}: ${why}` };
    }
    if (status.state !== 'cdc' && status.state !== 'full-load') return { ...base, lagSeconds: null };
    // Progress is best effort: whatever fails in it (here or in its queries) must not keep the lag, which the rollback alarms read, from being published.
    const progress = await Promise.resolve()
      .then(() => readProgress(status, engine.direction, dbs, { startedAt: fullLoadStartedAt(state?.history), now: runtime.now() }))
      .then(
      (p) => ({ progress: p }),
      (error: unknown) => ({ progressProblem: messageOf(error) }),
    );
    if (status.state !== 'cdc') return { ...base, lagSeconds: null, ...progress };
    // An unknown lag (no datapoint yet, subscriber reconnecting) publishes no lag, never a zero;
    // health stays what the status says.
    return engine.lag().then(
      (lag) => ({ ...base, lagSeconds: lag.seconds, ...progress }),
      (error: unknown) => ({ ...base, lagSeconds: null, problem: `lag unknown: ${messageOf(error)}`, ...progress }),
    );
  });
}

/**
 * The replication that carries the writes now. Cut over: target -> source. While cutting over,
 * the cutover pauses the forward replication once it has set up the reverse one, so the reverse
 * one is looked at as soon as it exists.
 */
async function engineInUse(forward: ReplicationEngine, phase: Phase): Promise<ReplicationEngine | undefined> {
  if (phase === 'cut-over') return forward.reverse();
  if (phase === 'cutting-over') return (await forward.reverse()) ?? forward;
  return forward;
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
