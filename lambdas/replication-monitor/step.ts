import { z } from 'zod';
import { METRICS, publishMetric } from '../shared/catalog/metrics';
import type { Phase } from '../shared/checkpoints';
import { parseInput } from '../shared/input';
import type { ReplicationEngine, ReplicationState } from '../shared/replication/engine';
import { withEngine, type StepRuntime } from '../shared/runtime';
import { guardCapture } from '../shared/verification/run';

/**
 * Publishes, once a minute (an EventBridge schedule), each migration's replication health and lag
 * as metrics; the rollback alarms watch them (lib/constructs/rollback-alarms.ts). The metrics are
 * entries of lambdas/shared/catalog/metrics.ts, which those alarms name too.
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
    };

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
  for (const health of migrations) {
    if (!health.observed) continue;
    // The capture slots' WAL (metric and limit), each migration on its own like the rest.
    await withTimeout(guardCapture(runtime, health.migrationId, 'replication-monitor'), timeoutMs, 'capture check timed out').catch(() => undefined);
    const dimensions = { migrationId: health.migrationId };
    publishMetric(runtime.metrics, METRICS.replicationHealthy, health.healthy ? 1 : 0, dimensions);
    if (health.lagSeconds !== null) publishMetric(runtime.metrics, METRICS.replicationLagSeconds, health.lagSeconds, dimensions);
  }
  return { migrations };
}

async function observe(migrationId: string, runtime: StepRuntime): Promise<MigrationHealth> {
  const migration = runtime.migration(migrationId);
  const phase = (await runtime.store.getState(migrationId))?.phase;
  if (phase === undefined || !MONITORED_PHASES.includes(phase)) return { migrationId, observed: false, phase: phase ?? 'none' };
  return withEngine(runtime, migration, async (forward) => {
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
    if (status.state !== 'cdc') return { ...base, lagSeconds: null };
    // An unknown lag (no datapoint yet, subscriber reconnecting) publishes no lag, never a zero;
    // health stays what the status says.
    return engine.lag().then(
      (lag) => ({ ...base, lagSeconds: lag.seconds }),
      (error: unknown) => ({ ...base, lagSeconds: null, problem: `lag unknown: ${messageOf(error)}` }),
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
