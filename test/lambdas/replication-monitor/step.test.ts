import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { REPLICATION_HEALTHY_METRIC, REPLICATION_LAG_METRIC, replicationMonitorStep } from '../../../lambdas/replication-monitor/step';
import { METRICS } from '../../../lambdas/shared/catalog/metrics';
import { PHASES, type CheckpointStore, type Phase } from '../../../lambdas/shared/checkpoints';
import { InvalidInputError } from '../../../lambdas/shared/input';
import type { MigrationConfigInput } from '../../../lambdas/shared/migration-config';
import { ReplicationLagUnknownError, type ReplicationEngine } from '../../../lambdas/shared/replication/engine';
import { Database } from '../../../lambdas/shared/pg/connection';
import type { OpenDatabases } from '../../../lambdas/shared/runtime';
import { localRuntime, type LocalRuntime } from '../../../local/runtime';
import { useDynalite } from '../../helpers/dynalite';
import { usePostgres } from '../../helpers/postgres';
import { ScriptedEngine } from '../../helpers/scripted-engine';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf';
const migration = (id: string): MigrationConfigInput => ({
  id,
  source: { host: `${id}-source.example`, database: id, secretArn: SECRET },
  target: { host: `${id}-target.example`, database: id, secretArn: SECRET },
  replication: { engine: 'native' },
  switch: { strategy: 'ssm-parameter', parameterName: `/${id}/db` },
});

/** The phases a migration passes through on its way to `phase` (the store allows only these moves). */
const PATH: Record<string, readonly Phase[]> = {
  new: [],
  replicating: ['replicating'],
  ready: ['replicating', 'ready'],
  'cutting-over': ['replicating', 'ready', 'cutting-over'],
  'cut-over': ['replicating', 'ready', 'cutting-over', 'cut-over'],
  'rolled-back': ['replicating', 'ready', 'cutting-over', 'cut-over', 'rolling-back', 'rolled-back'],
};

async function putInPhase(store: CheckpointStore, id: string, phase: keyof typeof PATH): Promise<void> {
  let state = await store.ensureState(id);
  for (const to of PATH[phase]!) state = await store.transition(id, { to, expectedVersion: state.version, reason: `test setup: to ${to}` });
}

/** The engine's calls, with `overrides` (a ScriptedEngine is forward-only and has no reverse). */
function engineOf(scripted: ScriptedEngine, overrides: Partial<ReplicationEngine> = {}): ReplicationEngine {
  return {
    kind: scripted.kind,
    direction: scripted.direction,
    start: (options) => scripted.start(options),
    status: () => scripted.status(),
    lag: () => scripted.lag(),
    stop: () => scripted.stop(),
    prepareReverse: () => scripted.prepareReverse(),
    reverse: () => scripted.reverse(),
    ...overrides,
  };
}

/** What the rollback alarms read: the health and lag datapoints, in the order published. */
const healthAndLag = (runtime: LocalRuntime) => runtime.metrics.recorded.filter((m) => m.name === REPLICATION_HEALTHY_METRIC || m.name === REPLICATION_LAG_METRIC);

const streaming = (seconds: number) => new ScriptedEngine({ status: { state: 'cdc', tables: [] }, lag: { seconds } });

describe('replication-monitor step', () => {
  const dynamo = useDynalite();

  /** The local runtime on dynalite, with each migration's engine scripted and no real databases. */
  async function runtimeWith(engines: Record<string, ReplicationEngine | (() => Promise<ReplicationEngine>)>): Promise<LocalRuntime & { closed: string[] }> {
    const closed: string[] = [];
    const base = localRuntime({ store: await dynamo.newStore(), migrations: Object.keys(engines).map(migration), secrets: {} });
    return {
      ...base,
      closed,
      openDatabases: async (m) => ({ source: {}, target: {}, close: async () => void closed.push(m.id) }) as unknown as OpenDatabases,
      engine: async (m) => {
        const engine = engines[m.id]!;
        return typeof engine === 'function' ? engine() : engine;
      },
    };
  }

  it('publishes lag and health of the forward replication before cutover, by migration id', async () => {
    // GIVEN two migrations replicating, one of them ready
    const runtime = await runtimeWith({ orders: engineOf(streaming(2)), catalog: engineOf(streaming(7)) });
    await putInPhase(runtime.store, 'orders', 'replicating');
    await putInPhase(runtime.store, 'catalog', 'ready');

    // WHEN
    const output = await replicationMonitorStep({ migrationIds: ['orders', 'catalog'] }, runtime);

    // THEN
    expect(healthAndLag(runtime)).toEqual([
      { name: REPLICATION_HEALTHY_METRIC, unit: 'Count', value: 1, dimensions: { migrationId: 'orders' } },
      { name: REPLICATION_LAG_METRIC, unit: 'Seconds', value: 2, dimensions: { migrationId: 'orders' } },
      { name: REPLICATION_HEALTHY_METRIC, unit: 'Count', value: 1, dimensions: { migrationId: 'catalog' } },
      { name: REPLICATION_LAG_METRIC, unit: 'Seconds', value: 7, dimensions: { migrationId: 'catalog' } },
    ]);
    expect(output.migrations).toMatchObject([
      { migrationId: 'orders', observed: true, phase: 'replicating', direction: 'forward', state: 'cdc', healthy: true, lagSeconds: 2 },
      { migrationId: 'catalog', observed: true, phase: 'ready', direction: 'forward', state: 'cdc', healthy: true, lagSeconds: 7 },
    ]);
    // and the databases were closed again
    expect(runtime.closed.sort()).toEqual(['catalog', 'orders']);
  });

  it('publishes healthy without a lag while the full load runs', async () => {
    const runtime = await runtimeWith({ orders: engineOf(new ScriptedEngine({ status: { state: 'full-load', tables: [{ table: 'public.orders', state: 'loading' }] } })) });
    await putInPhase(runtime.store, 'orders', 'replicating');

    const output = await replicationMonitorStep({ migrationIds: ['orders'] }, runtime);

    expect(healthAndLag(runtime)).toEqual([{ name: REPLICATION_HEALTHY_METRIC, unit: 'Count', value: 1, dimensions: { migrationId: 'orders' } }]);
    expect(output.migrations[0]).toMatchObject({ state: 'full-load', healthy: true, lagSeconds: null });
  });

  it('looks at the reverse replication once cut over, and publishes its lag', async () => {
    // GIVEN a cut-over migration whose forward replication is paused and reverse one streams
    const reverse = engineOf(streaming(4), { direction: 'reverse' });
    const forward = engineOf(new ScriptedEngine({ status: { state: 'stopped', detail: 'paused for the cutover' } }), { reverse: async () => reverse });
    const runtime = await runtimeWith({ orders: forward });
    await putInPhase(runtime.store, 'orders', 'cut-over');

    // WHEN
    const output = await replicationMonitorStep({ migrationIds: ['orders'] }, runtime);

    // THEN the forward one's stop does not count: the reverse one carries the writes
    expect(output.migrations[0]).toMatchObject({ migrationId: 'orders', observed: true, phase: 'cut-over', direction: 'reverse', state: 'cdc', healthy: true, lagSeconds: 4 });
    expect(healthAndLag(runtime)).toContainEqual({ name: REPLICATION_LAG_METRIC, unit: 'Seconds', value: 4, dimensions: { migrationId: 'orders' } });
  });

  it('publishes unhealthy when a cut-over migration has no reverse replication', async () => {
    const runtime = await runtimeWith({ orders: engineOf(streaming(1)) });
    await putInPhase(runtime.store, 'orders', 'cut-over');

    const output = await replicationMonitorStep({ migrationIds: ['orders'] }, runtime);

    expect(healthAndLag(runtime)).toEqual([{ name: REPLICATION_HEALTHY_METRIC, unit: 'Count', value: 0, dimensions: { migrationId: 'orders' } }]);
    expect(output.migrations[0]).toMatchObject({ healthy: false, direction: 'reverse', problem: expect.stringMatching(/no reverse replication/) });
  });

  it('looks at the forward replication while cutting over until the reverse one is set up', async () => {
    const runtime = await runtimeWith({ orders: engineOf(streaming(3)) });
    await putInPhase(runtime.store, 'orders', 'cutting-over');

    const output = await replicationMonitorStep({ migrationIds: ['orders'] }, runtime);

    expect(output.migrations[0]).toMatchObject({ direction: 'forward', healthy: true, lagSeconds: 3 });
  });

  it.each([
    ['failed', { state: 'failed', cause: 'duplicate key value violates unique constraint' }, /forward replication is failed in phase ready: duplicate key/],
    ['stopped', { state: 'stopped', detail: 'task stopped by user' }, /forward replication is stopped in phase ready: task stopped by user/],
    ['not-started', { state: 'not-started' }, /forward replication is not-started in phase ready: it does not exist/],
  ] as const)('publishes unhealthy, without a lag, when the replication is %s while it should run', async (_, status, problem) => {
    const runtime = await runtimeWith({ orders: engineOf(new ScriptedEngine({ status, lag: { seconds: 0 } })) });
    await putInPhase(runtime.store, 'orders', 'ready');

    const output = await replicationMonitorStep({ migrationIds: ['orders'] }, runtime);

    expect(healthAndLag(runtime)).toEqual([{ name: REPLICATION_HEALTHY_METRIC, unit: 'Count', value: 0, dimensions: { migrationId: 'orders' } }]);
    expect(output.migrations[0]).toMatchObject({ healthy: false, state: status.state, lagSeconds: null, problem: expect.stringMatching(problem) });
  });

  it('publishes no lag when it is unknown, never a zero, and keeps the replication healthy', async () => {
    const unknown = new ScriptedEngine({ status: { state: 'cdc', tables: [] }, lag: () => Promise.reject(new ReplicationLagUnknownError('subscriber not connected')) });
    const runtime = await runtimeWith({ orders: engineOf(unknown) });
    await putInPhase(runtime.store, 'orders', 'ready');

    const output = await replicationMonitorStep({ migrationIds: ['orders'] }, runtime);

    expect(healthAndLag(runtime)).toEqual([{ name: REPLICATION_HEALTHY_METRIC, unit: 'Count', value: 1, dimensions: { migrationId: 'orders' } }]);
    expect(output.migrations[0]).toMatchObject({ healthy: true, lagSeconds: null, problem: 'lag unknown: ReplicationLagUnknownError: subscriber not connected' });
  });

  it('publishes nothing for migrations not replicating: not started, or rolled back', async () => {
    const runtime = await runtimeWith({ fresh: engineOf(streaming(1)), undone: engineOf(streaming(1)), never: engineOf(streaming(1)) });
    await putInPhase(runtime.store, 'fresh', 'new');
    await putInPhase(runtime.store, 'undone', 'rolled-back');

    const output = await replicationMonitorStep({ migrationIds: ['fresh', 'undone', 'never'] }, runtime);

    expect(healthAndLag(runtime)).toEqual([]);
    expect(output.migrations).toEqual([
      { migrationId: 'fresh', observed: false, phase: 'new' },
      { migrationId: 'undone', observed: false, phase: 'rolled-back' },
      { migrationId: 'never', observed: false, phase: 'none' },
    ]);
    expect(runtime.closed).toEqual([]);
  });

  it("reports one migration's failure as unhealthy and still looks at the others", async () => {
    // GIVEN an engine that cannot be opened, one whose status throws, and a healthy one
    const broken = engineOf(streaming(1), { status: () => Promise.reject(new Error('connection refused')) });
    const runtime = await runtimeWith({
      unopenable: () => Promise.reject(new Error('password authentication failed')),
      broken,
      orders: engineOf(streaming(2)),
    });
    for (const id of ['unopenable', 'broken', 'orders']) await putInPhase(runtime.store, id, 'ready');

    // WHEN
    const output = await replicationMonitorStep({ migrationIds: ['unopenable', 'broken', 'orders'] }, runtime);

    // THEN
    expect(healthAndLag(runtime)).toEqual([
      { name: REPLICATION_HEALTHY_METRIC, unit: 'Count', value: 0, dimensions: { migrationId: 'unopenable' } },
      { name: REPLICATION_HEALTHY_METRIC, unit: 'Count', value: 0, dimensions: { migrationId: 'broken' } },
      { name: REPLICATION_HEALTHY_METRIC, unit: 'Count', value: 1, dimensions: { migrationId: 'orders' } },
      { name: REPLICATION_LAG_METRIC, unit: 'Seconds', value: 2, dimensions: { migrationId: 'orders' } },
    ]);
    expect(output.migrations[0]).toEqual({ migrationId: 'unopenable', observed: true, healthy: false, lagSeconds: null, problem: 'Error: password authentication failed' });
    expect(output.migrations[1]).toEqual({ migrationId: 'broken', observed: true, healthy: false, lagSeconds: null, problem: 'Error: connection refused' });
    // and the broken one's databases were closed all the same
    expect(runtime.closed).toContain('broken');
  });

  it('reports a migration that does not answer in time as unhealthy, without waiting for it', async () => {
    const hanging = engineOf(streaming(1), { status: () => new Promise(() => undefined) });
    const runtime = await runtimeWith({ slow: hanging, orders: engineOf(streaming(2)) });
    for (const id of ['slow', 'orders']) await putInPhase(runtime.store, id, 'ready');

    const output = await replicationMonitorStep({ migrationIds: ['slow', 'orders'] }, runtime, { timeoutMs: 50 });

    expect(output.migrations[0]).toMatchObject({ migrationId: 'slow', healthy: false, problem: 'Error: did not answer within 0.05 s' });
    expect(output.migrations[1]).toMatchObject({ migrationId: 'orders', healthy: true });
  });

  it('reports a migration id that is not configured, as unhealthy', async () => {
    const runtime = await runtimeWith({ orders: engineOf(streaming(2)) });

    const output = await replicationMonitorStep({ migrationIds: ['orderz'] }, runtime);

    expect(output.migrations[0]).toMatchObject({ migrationId: 'orderz', healthy: false, problem: expect.stringMatching(/^MigrationNotConfiguredError: No migration "orderz"/) });
  });

  it('refuses an input without migration ids', async () => {
    const runtime = await runtimeWith({ orders: engineOf(streaming(2)) });
    await expect(replicationMonitorStep({ migrationIds: [] }, runtime)).rejects.toThrow(InvalidInputError);
    await expect(replicationMonitorStep({}, runtime)).rejects.toThrow(/migrationIds/);
  });
});

describe('replication-monitor step, progress read from real databases', () => {
  const dynamo = useDynalite();
  const server = usePostgres();
  let counter = 0;

  /** A source and a target database on one server (what the readings need is per database), each with `tables`. */
  async function databases(ddl: string): Promise<OpenDatabases & { sql(side: 'source' | 'target', text: string): Promise<void> }> {
    const name = `progress${++counter}`;
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query(`create database ${name}_source`);
    await admin.query(`create database ${name}_target`);
    await admin.end();
    const url = (db: string) => Object.assign(new URL(server.url), { pathname: `/${db}` }).toString();
    const source = new Database({ label: 'source database', config: { connectionString: url(`${name}_source`) } });
    const target = new Database({ label: 'target database', config: { connectionString: url(`${name}_target`) } });
    await Promise.all([source.query(ddl), target.query(ddl)]);
    return {
      source,
      target,
      close: async () => {
        await Promise.all([source.close(), target.close()]);
      },
      // From a session of its own that then ends: a backend flushes its statistics as it exits.
      async sql(side, text) {
        const client = new pg.Client({ connectionString: url(`${name}_${side}`) });
        await client.connect();
        await client.query(text);
        await client.end();
      },
    };
  }

  async function runtimeOn(dbs: OpenDatabases, engine: ReplicationEngine): Promise<LocalRuntime> {
    const base = localRuntime({ store: await dynamo.newStore(), migrations: [migration('orders')], secrets: {} });
    return { ...base, openDatabases: async () => ({ ...dbs, close: async () => undefined }), engine: async () => engine };
  }

  /**
   * Runs the monitor until the metrics named in `settled` have those values (statistics reach the
   * views a moment after a session ends), at most 4 s; returns what the last run published.
   */
  async function monitorUntil(runtime: LocalRuntime, settled: Readonly<Record<string, number>>): Promise<ReadonlyMap<string, number>> {
    for (let attempt = 0; ; attempt++) {
      runtime.metrics.recorded.length = 0;
      await replicationMonitorStep({ migrationIds: ['orders'] }, runtime);
      const published = new Map(runtime.metrics.recorded.map((m) => [m.name, m.value]));
      if (Object.entries(settled).every(([name, value]) => published.get(name) === value) || attempt === 40) return published;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  const TABLES = 'create table orders (id int primary key, note text); create table items (id int primary key)';

  it('publishes the full load: tables pending and loading, rows copied from the target, rows estimated by the source', async () => {
    // GIVEN a source with 300 orders and 200 items, analyzed, and a target that has the orders copied and the items being queued
    const dbs = await databases(TABLES);
    await dbs.sql('source', 'insert into orders select g, null from generate_series(1, 300) g; insert into items select generate_series(1, 200); analyze');
    await dbs.sql('target', 'insert into orders select g, null from generate_series(1, 300) g');
    const engine = engineOf(new ScriptedEngine({ status: { state: 'full-load', tables: [{ table: 'public.items', state: 'pending' }, { table: 'public.orders', state: 'loaded' }] } }));
    const runtime = await runtimeOn(dbs, engine);
    await putInPhase(runtime.store, 'orders', 'replicating');

    // WHEN the monitor looks
    const published = await monitorUntil(runtime, { [METRICS.changesWritten.name]: 500, [METRICS.changesApplied.name]: 300 });

    // THEN
    expect(Object.fromEntries(published)).toMatchObject({
      [METRICS.migrationPhase.name]: PHASES.indexOf('replicating'),
      [METRICS.tablesPending.name]: 1,
      [METRICS.tablesLoading.name]: 0,
      [METRICS.rowsCopied.name]: 300,
      [METRICS.rowsEstimated.name]: 500,
      [METRICS.changesWritten.name]: 500,
      [METRICS.changesApplied.name]: 300,
    });
    // and no time left without the engine's counts (no rate)
    expect(published.has(METRICS.fullLoadSecondsLeft.name)).toBe(false);
    await dbs.close();
  });

  it("takes the engine's own row counts when it has them, and publishes no estimate for a table never analyzed", async () => {
    const dbs = await databases(TABLES);
    await dbs.sql('source', 'insert into orders select g, null from generate_series(1, 10) g');
    const engine = engineOf(
      new ScriptedEngine({ status: { state: 'full-load', tables: [{ table: 'public.items', state: 'loading', rowsCopied: 40 }, { table: 'public.orders', state: 'loaded', rowsCopied: 2 }] } }),
    );
    const runtime = await runtimeOn(dbs, engine);
    await putInPhase(runtime.store, 'orders', 'replicating');

    const published = await monitorUntil(runtime, { [METRICS.changesWritten.name]: 10 });

    expect(published.get(METRICS.rowsCopied.name)).toBe(42);
    expect(published.get(METRICS.tablesLoading.name)).toBe(1);
    expect(published.has(METRICS.rowsEstimated.name)).toBe(false);
    await dbs.close();
  });

  it('publishes the estimated seconds left: rows left at the average rate since the move into replicating', async () => {
    // GIVEN 100 s after the full load started, 100 rows copied (1 row/s), items estimated at 240 rows on the source
    const dbs = await databases(TABLES);
    await dbs.sql('source', 'insert into orders select g, null from generate_series(1, 60) g; insert into items select generate_series(1, 240); analyze');
    const engine = engineOf(
      new ScriptedEngine({ status: { state: 'full-load', tables: [{ table: 'public.items', state: 'loading', rowsCopied: 40 }, { table: 'public.orders', state: 'loaded', rowsCopied: 60 }] } }),
    );
    const base = await runtimeOn(dbs, engine);
    await putInPhase(base.store, 'orders', 'replicating');
    const startedAt = Date.parse((await base.store.getState('orders'))!.history.at(-1)!.at);
    const runtime = { ...base, now: () => startedAt + 100_000 };

    // WHEN
    await replicationMonitorStep({ migrationIds: ['orders'] }, runtime);

    // THEN 200 rows left at 1 row/s
    const published = new Map(runtime.metrics.recorded.map((m) => [m.name, m]));
    expect(published.get(METRICS.fullLoadSecondsLeft.name)).toEqual({ name: 'FullLoadSecondsLeft', unit: 'Seconds', value: 200, dimensions: { migrationId: 'orders' } });
    expect(published.get(METRICS.rowsEstimated.name)?.value).toBe(300);
    await dbs.close();
  });

  it('counts a partitioned table through its partitions', async () => {
    // GIVEN a table in two partitions, 40 rows on the source (analyzed), 25 copied so far
    const dbs = await databases(
      'create table events (id int, at date) partition by range (at);' +
        "create table events_2025 partition of events for values from ('2025-01-01') to ('2026-01-01');" +
        "create table events_2026 partition of events for values from ('2026-01-01') to ('2027-01-01')",
    );
    const rows = (n: number) => `insert into events select g, date '2025-06-01' + (g * 10) from generate_series(1, ${n}) g`;
    await dbs.sql('source', `${rows(40)}; analyze events_2025; analyze events_2026`);
    await dbs.sql('target', rows(25));
    const runtime = await runtimeOn(dbs, engineOf(new ScriptedEngine({ status: { state: 'full-load', tables: [{ table: 'public.events', state: 'loading' }] } })));
    await putInPhase(runtime.store, 'orders', 'replicating');

    // WHEN
    const published = await monitorUntil(runtime, { [METRICS.changesWritten.name]: 40, [METRICS.changesApplied.name]: 25 });

    // THEN
    expect(published.get(METRICS.rowsCopied.name)).toBe(25);
    expect(published.get(METRICS.rowsEstimated.name)).toBe(40);
    expect(published.get(METRICS.changesWritten.name)).toBe(40);
    await dbs.close();
  });

  it('once cut over, counts the writes on the target and what the reverse replication applies to the source', async () => {
    // GIVEN a cut-over migration whose clients wrote 5 rows on the target, 3 of them replayed on the source
    const dbs = await databases(TABLES);
    await dbs.sql('target', "insert into orders select g, 'on the target' from generate_series(1, 5) g");
    await dbs.sql('source', "insert into orders select g, 'on the target' from generate_series(1, 3) g");
    const reverse = engineOf(new ScriptedEngine({ status: { state: 'cdc', tables: [{ table: 'public.orders', state: 'loaded' }, { table: 'public.items', state: 'loaded' }] }, lag: { seconds: 1 } }), {
      direction: 'reverse',
    });
    const forward = engineOf(new ScriptedEngine({ status: { state: 'stopped', detail: 'paused for the cutover' } }), { reverse: async () => reverse });
    const runtime = await runtimeOn(dbs, forward);
    await putInPhase(runtime.store, 'orders', 'cut-over');

    // WHEN
    const published = await monitorUntil(runtime, { [METRICS.changesWritten.name]: 5, [METRICS.changesApplied.name]: 3 });

    // THEN the totals follow the direction, and nothing of a full load is published
    expect(published.get(METRICS.changesWritten.name)).toBe(5);
    expect(published.get(METRICS.changesApplied.name)).toBe(3);
    expect(published.get(METRICS.tablesPending.name)).toBe(0);
    expect(published.has(METRICS.rowsCopied.name)).toBe(false);
    await dbs.close();
  });

  it('publishes the phase of a migration that does not replicate, and the age of a verification every minute', async () => {
    // GIVEN a rolled-back migration whose change capture last verified 90 seconds ago
    const dbs = await databases(TABLES);
    const runtime = await runtimeOn(dbs, engineOf(streaming(0)));
    await putInPhase(runtime.store, 'orders', 'rolled-back');
    const verifiedAt = runtime.now() - 90_000;
    const store = Object.create(runtime.store, {
      getVerification: { value: async () => ({ status: 'capturing', verifiedThrough: { source: '0/1', target: '0/1', at: verifiedAt } }) },
    }) as CheckpointStore;

    // WHEN
    await replicationMonitorStep({ migrationIds: ['orders'] }, { ...runtime, store });

    // THEN
    const published = new Map(runtime.metrics.recorded.map((m) => [m.name, m.value]));
    expect(published.get(METRICS.migrationPhase.name)).toBe(PHASES.indexOf('rolled-back'));
    expect(published.get(METRICS.verificationAgeSeconds.name)).toBeGreaterThanOrEqual(90);
    expect(published.has(METRICS.changesWritten.name)).toBe(false);
    await dbs.close();
  });
});
