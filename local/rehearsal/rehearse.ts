import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { CheckpointStore } from '../../lambdas/shared/checkpoints';
import { COMPARISON_SUMMARY_KIND } from '../../lambdas/shared/comparison/summary';
import { MemorySwitch } from '../../lambdas/shared/switch/switch';
import { ApplicationClient } from '../application-client';
import { createCheckpointTable, createLocalDocumentClient, startDynalite, type LocalDynamo } from '../dynalite';
import { startPostgres, type LocalPostgres } from '../postgres';
import { localRuntime } from '../runtime';
import { LOCAL_STEPS } from '../steps';
import { startWorkflow, type RunningWorkflow, type WorkflowOutcome } from '../workflow-runner';
import { fullLoadProgress, type TableLoad } from '../../lambdas/shared/replication/progress-eta';
import { loadRehearsalData } from './load';
import { windows, writeFigures, type FrozenCheck, type RehearsalReport, type FinishFigures, type VerificationFigures } from './report';
import { APP_ROLE, appRoleSql, REHEARSAL_SCHEMA_SQL } from './schema';
import { Timeline } from './timeline';
import { LocalVerificationSchedule } from '../verification-schedule';
import type { LiveState, LiveView } from './view';
import { readShopKeys, readShopState, ShopWorkload, type ShopWrite } from './workload';

export interface RehearseOptions {
  /** Rows loaded into the source, over all tables. */
  readonly rows: number;
  /** Application clients writing at the same time. @default 4 */
  readonly clients?: number;
  /** Fire a rollback alarm during the observation window, as EventBridge would. */
  readonly rollback: boolean;
  /** Where progress goes. */
  readonly view: LiveView;
  /** Aborts the rehearsal (Ctrl-C): the running workflow stops and everything is cleaned up. */
  readonly signal?: AbortSignal;
  /** How long the clients write on the new primary before the rollback alarm fires. @default 3000 */
  readonly observationMs?: number;
  /** Told the servers' data directories once they run (tests check they are gone afterwards). */
  readonly onServers?: (dataDirectories: readonly string[]) => void;
}

const MIGRATION_ID = 'rehearsal';
const DATABASE = 'shop';
/** Client i's writes are `w<i>-<n>`. */
const WRITE_PREFIX = 'w';
/** After a failed write a client backs off this long; a tighter loop would only load the 2 cores the cutover needs. */
const RETRY_PAUSE_MS = 10;
const SECRETS = {
  source: 'arn:aws:secretsmanager:eu-west-1:000000000000:secret:rehearsal-source-AbCdEf',
  target: 'arn:aws:secretsmanager:eu-west-1:000000000000:secret:rehearsal-target-AbCdEf',
};
const ALARM = 'Ferry-rehearsal-rehearsal-replication-lag';

/** Server settings for a rehearsal: durable enough, and quick to load. */
const SETTINGS = { shared_buffers: '256MB', max_wal_size: '4GB', checkpoint_timeout: '30min', max_logical_replication_workers: '8', max_sync_workers_per_subscription: '4' };

/**
 * The whole move on one machine: two PostgreSQL servers and the checkpoint table are started,
 * the source gets a realistic schema and `rows` rows, `clients` application clients write
 * continuously through the switch (each reads the endpoint before connecting, as clients of the
 * SSM parameter switch do; each inserts orders, updates loaded rows of its own and deletes
 * payments: ShopWorkload), and Ferry's real migrate and cutover workflows run through the local
 * runner. With `rollback`, a rollback alarm fires during the observation window and the rollback
 * workflow runs. Every write is then audited on the final primary (auditShopWrites). Everything
 * started is stopped and removed before this returns or throws.
 */
export async function rehearse(options: RehearseOptions): Promise<RehearsalReport> {
  const started = performance.now();
  const timeline = new Timeline();
  const cleanup: Array<() => Promise<unknown>> = [];
  const writers: Array<ApplicationClient<ShopWrite>> = [];
  const clientCount = options.clients ?? 4;
  if (!Number.isInteger(clientCount) || clientCount < 1) throw new RangeError(`clients must be a whole number of at least 1, got ${clientCount}`);
  let running: RunningWorkflow | undefined;
  const onAbort = () => running?.abort();
  options.signal?.addEventListener('abort', onAbort);
  const state: LiveState = { workflow: 'setup', step: 'starting servers', phase: 'new', writesPerSecond: 0, committed: 0, failed: 0, elapsedMs: 0 };
  const show = (patch: Partial<LiveState>) => {
    Object.assign(state, patch, { elapsedMs: Math.round(performance.now() - started) });
    if (writers.length > 0) {
      const sum = (f: (w: ApplicationClient<ShopWrite>) => number) => writers.reduce((n, w) => n + f(w), 0);
      Object.assign(state, { writesPerSecond: sum((w) => w.writesPerSecond()), committed: sum((w) => w.committed().length), failed: sum((w) => w.attempts.length - w.committed().length) });
    }
    options.view.update({ ...state });
  };
  const checkAborted = () => {
    if (options.signal?.aborted) throw new RehearsalAbortedError();
  };

  try {
    timeline.enter('start servers');
    show({});
    const [source, target, dynamo] = await Promise.all([
      startPostgres({ database: DATABASE, settings: SETTINGS }),
      startPostgres({ database: DATABASE, settings: SETTINGS }),
      startDynalite(),
    ]);
    cleanup.push(() => source.stop(), () => target.stop(), () => (dynamo as LocalDynamo).stop());
    options.view.log(`Source: postgres://${source.user}@${source.host}:${source.port}/${DATABASE}, target: postgres://${target.user}@${target.host}:${target.port}/${DATABASE} (password in the rehearsal only; both removed at the end)`);
    options.onServers?.([source.baseDir, target.baseDir]);
    checkAborted();
    await Promise.all([source, target].map((db) => sql(db, `${REHEARSAL_SCHEMA_SQL};\n${appRoleSql(APP_ROLE.password)}`)));

    timeline.enter('load the source');
    options.view.log(`Loading ${options.rows.toLocaleString('en-US')} rows into the source`);
    show({ step: 'loading the source', rowsTotal: options.rows });
    const loaded = await withClient(source, (c) => loadRehearsalData(c, options.rows, (n) => show({ rowsCopied: undefined, rowsCompared: undefined, step: `loading the source: ${n.toLocaleString('en-US')} rows` })));
    const totalRows = Object.values(loaded).reduce((a, b) => a + b, 0);
    const keys = await withClient(source, readShopKeys);
    checkAborted();

    const client = createLocalDocumentClient(dynamo.endpoint);
    await createCheckpointTable(client, 'ferry-rehearsal');
    const endpoint = (db: LocalPostgres) => ({ host: db.host, port: db.port, database: DATABASE });
    const clients = new MemorySwitch({ source: endpoint(source), target: endpoint(target) });
    const runtime = localRuntime({
      store: new CheckpointStore({ client, tableName: 'ferry-rehearsal' }),
      migrations: [
        {
          id: MIGRATION_ID,
          source: { ...endpoint(source), secretArn: SECRETS.source, sslMode: 'require' },
          target: { ...endpoint(target), secretArn: SECRETS.target, sslMode: 'require' },
          replication: { engine: 'native' },
          switch: { strategy: 'ssm-parameter', parameterName: '/rehearsal/db-endpoint' },
          freeze: { roles: [APP_ROLE.user] },
          fullLoad: REHEARSAL_FULL_LOAD,
        },
      ],
      secrets: { [SECRETS.source]: { username: source.user, password: source.password }, [SECRETS.target]: { username: target.user, password: target.password } },
      switches: { [MIGRATION_ID]: clients },
    });

    for (let i = 0; i < clientCount; i++) {
      const workload = new ShopWorkload(i, clientCount, keys);
      writers.push(new ApplicationClient(() => clients.endpoint(), APP_ROLE, `${WRITE_PREFIX}${i + 1}`, (id) => workload.next(id), { pauseMs: 2, retryPauseMs: RETRY_PAUSE_MS }));
    }
    for (const w of writers) w.start();
    cleanup.unshift(() => Promise.all(writers.map((w) => w.stop())));
    // What EventBridge does every minute in AWS, every few seconds here: the run is short.
    const schedule = new LocalVerificationSchedule(runtime, [MIGRATION_ID], VERIFY_INTERVAL_MS);
    schedule.start();
    cleanup.unshift(() => schedule.stop());
    const monitor = new ReplicationMonitor(source, target, loaded);
    const ticker = setInterval(() => {
      void monitor.sample().then((m) => show(m), () => undefined);
    }, 500);
    cleanup.unshift(async () => clearInterval(ticker));

    const run = async (workflow: string, input: Record<string, unknown>): Promise<WorkflowOutcome> => {
      checkAborted();
      options.view.log(`Workflow ${workflow} started`);
      running = startWorkflow(workflow, { migrationId: MIGRATION_ID, ...input }, {
        runtime,
        steps: LOCAL_STEPS,
        waitMs: 200,
        onTask: async ({ state: step }) => {
          if (process.env.FERRY_TRACE) process.stderr.write(`[trace] ${Math.round(performance.now() - started)} ms ${workflow} › ${step}\n`);
          timeline.step(workflow, step);
          const phase = (await runtime.store.getState(MIGRATION_ID))?.phase ?? 'new';
          if (phase !== state.phase) options.view.log(`Phase ${phase}`);
          show({ workflow, step, phase, rowsCompared: runtime.metrics.recorded.filter((r) => r.name === 'RowsCompared').reduce((a, r) => a + r.value, 0) });
        },
      });
      const outcome = await running.result.catch((error: unknown) => {
        // An abort (Ctrl-C) rejects the execution; say what happened, not how the runner noticed.
        if (options.signal?.aborted) throw new RehearsalAbortedError();
        throw error;
      });
      running = undefined;
      checkAborted();
      if (outcome.status !== 'SUCCEEDED') throw new RehearsalWorkflowError(workflow, outcome);
      options.view.log(`Workflow ${workflow} succeeded`);
      return outcome;
    };

    await run('migrate', {});
    const cutoverFrom = performance.now();
    const cutover = await run('cutover', {});
    const cutoverTo = performance.now();
    let rollbackOutcome: WorkflowOutcome | undefined;
    let rollbackFrom: number | undefined;
    let rollbackTo: number | undefined;
    if (options.rollback) {
      timeline.enter('observation window');
      show({ workflow: 'observation', step: 'clients write on the target' });
      await sleep(options.observationMs ?? 3000, options.signal);
      rollbackFrom = performance.now();
      // The input EventBridge's rule builds from the alarm's state change (RollbackAlarms).
      rollbackOutcome = await run('rollback', { reason: `alarm ${ALARM} went to ALARM at ${new Date().toISOString()}`, alarmName: ALARM });
      rollbackTo = performance.now();
    }

    timeline.enter('verify the writes');
    // Each client's window closes with its first write after the workflow: wait for a few.
    await Promise.all(writers.map((w) => w.committedMore(5).catch(() => undefined)));
    await Promise.all(writers.map((w) => w.stop()));
    await schedule.stop();
    // The end of every migration: nothing of it may stay on either database (a forced finish, since
    // the rehearsal's observation window is seconds, not the configured minutes).
    timeline.enter('finish');
    const finished = await run('finish', options.rollback ? {} : { force: true });
    const finalPrimary = options.rollback ? source : target;
    // Each client's attempts in its own order, one client after another, as the audit needs.
    const attempts = writers.flatMap((w) => w.attempts);
    const finalState = await withClient(finalPrimary, (c) => readShopState(c, attempts.map((a) => a.op)));
    const summary = await runtime.store.latestReport(MIGRATION_ID, COMPARISON_SUMMARY_KIND);
    const comparisonMs = timeline.msOf('compare the tables');
    const rowsCompared = summary?.report.rowsCompared ?? 0;
    timeline.end(performance.now());
    return {
      outcome: 'completed',
      rows: totalRows,
      rollback: options.rollback,
      totalMs: Math.round(performance.now() - started),
      phases: timeline.phases(),
      rowsCompared,
      compareRowsPerSecond: comparisonMs > 0 ? Math.round(rowsCompared / (comparisonMs / 1000)) : 0,
      clients: clientCount,
      ...windows(writers, { from: cutoverFrom, to: cutoverTo }, rollbackFrom === undefined ? undefined : { from: rollbackFrom, to: rollbackTo! }),
      ...writeFigures(attempts, finalState),
      finalPrimary: options.rollback ? 'source' : 'target',
      verification: verificationFigures(schedule, cutover, rollbackOutcome),
      finish: finishFigures(finished),
    };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    running?.abort();
    for (const step of cleanup) await step().catch(() => undefined);
    options.view.stop();
  }
}

/** What the finish workflow removed from the two databases. */
function finishFigures(outcome: WorkflowOutcome): FinishFigures {
  const output = outcome.status === "SUCCEEDED" ? (outcome.output as { removed?: unknown; kept?: unknown }) : undefined;
  const list = (value: unknown) => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
  return { removed: list(output?.removed), kept: list(output?.kept) };
}

/** How often the local schedule runs a verification round (a deployed stack: every minute). */
const VERIFY_INTERVAL_MS = 2_000;

function verificationFigures(schedule: LocalVerificationSchedule, cutover: WorkflowOutcome, rollback: WorkflowOutcome | undefined): VerificationFigures {
  const verified = schedule.outcomes.filter((o) => o.status === 'verified');
  const frozen = (outcome: WorkflowOutcome | undefined, changes: string): FrozenCheck | undefined => {
    const output = outcome?.status === 'SUCCEEDED' ? (outcome.output as Record<string, unknown>) : undefined;
    return output && typeof output.keysVerified === 'number' ? { keysVerified: output.keysVerified, changes: output[changes] as FrozenCheck['changes'] } : undefined;
  };
  const cutoverCheck = frozen(cutover, 'changesSinceLastRound');
  const rollbackCheck = frozen(rollback, 'changesSinceCutover');
  return {
    rounds: verified.length,
    intervalMs: VERIFY_INTERVAL_MS,
    keysVerifiedByRounds: verified.reduce((sum, o) => sum + (o.status === 'verified' ? o.keysVerified : 0), 0),
    ...(cutoverCheck ? { cutover: cutoverCheck } : {}),
    ...(rollbackCheck ? { rollback: rollbackCheck } : {}),
  };
}

/** Ctrl-C: the rehearsal stopped and cleaned up. */
export class RehearsalAbortedError extends Error {
  override readonly name = 'RehearsalAbortedError';

  constructor() {
    super('the rehearsal was interrupted; every server and temporary directory it made was removed');
  }
}

/** A workflow did not succeed: its error and cause, as the Step Functions console would show them. */
export class RehearsalWorkflowError extends Error {
  override readonly name = 'RehearsalWorkflowError';

  constructor(
    readonly workflow: string,
    readonly outcome: WorkflowOutcome,
  ) {
    super(outcome.status === 'SUCCEEDED' ? `${workflow} succeeded` : `the ${workflow} workflow failed: ${outcome.error}: ${outcome.cause}`);
  }
}

/**
 * The rehearsal's tables are tens of MB where a production database's are GB: the parallel copy's
 * threshold is scaled down with them, so that the rehearsal copies its large tables in ranges as
 * the real migration would (fullLoad.parallelTableMb, default 1024), with one worker per core
 * here.
 */
export const REHEARSAL_FULL_LOAD = { parallelTableMb: 16, rangesPerTable: 4, copyWorkers: 2 } as const;

/** Replication progress for the live view, read straight from the servers (cheap catalog queries). */
class ReplicationMonitor {
  /** The first reading that saw the subscription: the full load's start, for its rate (fullLoadProgress). */
  private loadSeenAt: number | undefined;

  constructor(
    private readonly source: LocalPostgres,
    private readonly target: LocalPostgres,
    private readonly loaded: Readonly<Record<string, number>>,
  ) {}

  async sample(): Promise<Partial<LiveState>> {
    const total = Object.values(this.loaded).reduce((a, b) => a + b, 0);
    const [copied, lag] = await Promise.all([
      withClient(this.target, async (c) => {
        const states = await c.query<{ relname: string; srsubstate: string }>(
          `select c.relname, r.srsubstate from pg_subscription_rel r join pg_class c on c.oid = r.srrelid`,
        );
        const progress = await c.query<{ relname: string; n: string }>(
          `select c.relname, p.tuples_processed::text as n from pg_stat_progress_copy p join pg_class c on c.oid = p.relid`,
        );
        const inFlight = new Map(progress.rows.map((r) => [r.relname, Number(r.n)]));
        // A parallel copy (no subscription yet) keeps its own per-table progress on the target.
        const job = await c.query<{ progress: Array<{ table: string; state: TableLoad['state']; rowsCopied?: number }> | null }>(
          `select progress from ferry.copy_job where to_regclass('ferry.copy_job') is not null`,
        ).catch(() => ({ rows: [] }));
        const copying = job.rows[0]?.progress;
        if (states.rows.length === 0 && copying) {
          return copying
            .map((t) => ({ ...t, relname: t.table.split('.').pop()! }))
            .filter((t) => Object.hasOwn(this.loaded, t.relname))
            .map((t): TableLoad => ({ table: t.relname, state: t.state, rowsCopied: t.rowsCopied ?? 0, rowsEstimated: this.loaded[t.relname]! }));
        }
        // The loader's counts are exact: they stand in for the planner's estimates.
        return states.rows
          .filter((r) => Object.hasOwn(this.loaded, r.relname))
          .map((r): TableLoad => {
            const state = ['r', 's'].includes(r.srsubstate) ? 'loaded' : r.srsubstate === 'i' ? 'pending' : 'loading';
            // From `f` on (copy finished), all the table's rows are there.
            const copiedAll = state === 'loaded' || r.srsubstate === 'f';
            return { table: r.relname, state, rowsCopied: copiedAll ? this.loaded[r.relname]! : (inFlight.get(r.relname) ?? 0), rowsEstimated: this.loaded[r.relname]! };
          });
      }),
      withClient(this.source, async (c) => {
        const r = await c.query<{ bytes: string | null }>(
          `select max(pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn))::text as bytes from pg_replication_slots where slot_type = 'logical'`,
        );
        return r.rows[0]?.bytes === null || r.rows[0]?.bytes === undefined ? null : Number(r.rows[0].bytes);
      }),
    ]);
    if (copied.length > 0) this.loadSeenAt ??= Date.now();
    const load = copied.some((t) => t.state !== 'loaded') ? fullLoadProgress(copied, { startedAt: this.loadSeenAt, now: Date.now() }) : undefined;
    // Once finish has removed the subscription, the last figures stand.
    if (copied.length === 0 && this.loadSeenAt !== undefined) return { lagBytes: lag };
    return {
      rowsCopied: Math.min(copied.reduce((sum, t) => sum + (t.rowsCopied ?? 0), 0), total),
      rowsTotal: total,
      lagBytes: lag,
      copyRowsPerSecond: load?.rowsPerSecond ?? undefined,
      copySecondsLeft: load?.estimatedSecondsLeft ?? undefined,
    };
  }
}

async function withClient<T>(db: LocalPostgres, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ host: db.host, port: db.port, user: db.user, password: db.password, database: DATABASE });
  // A reading still running when the servers stop fails its query; the client's own error event must not crash the process.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function sql(db: LocalPostgres, text: string): Promise<unknown> {
  return withClient(db, (c) => c.query(text));
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });
}
