import { describe, expect, it } from 'vitest';
import { REPLICATION_HEALTHY_METRIC, REPLICATION_LAG_METRIC, replicationMonitorStep } from '../../../lambdas/replication-monitor/step';
import type { CheckpointStore, Phase } from '../../../lambdas/shared/checkpoints';
import { InvalidInputError } from '../../../lambdas/shared/input';
import type { MigrationConfigInput } from '../../../lambdas/shared/migration-config';
import { ReplicationLagUnknownError, type ReplicationEngine } from '../../../lambdas/shared/replication/engine';
import type { OpenDatabases } from '../../../lambdas/shared/runtime';
import { localRuntime, type LocalRuntime } from '../../../local/runtime';
import { useDynalite } from '../../helpers/dynalite';
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
    expect(runtime.metrics.recorded).toEqual([
      { name: REPLICATION_HEALTHY_METRIC, unit: 'Count', value: 1, dimensions: { migrationId: 'orders' } },
      { name: REPLICATION_LAG_METRIC, unit: 'Seconds', value: 2, dimensions: { migrationId: 'orders' } },
      { name: REPLICATION_HEALTHY_METRIC, unit: 'Count', value: 1, dimensions: { migrationId: 'catalog' } },
      { name: REPLICATION_LAG_METRIC, unit: 'Seconds', value: 7, dimensions: { migrationId: 'catalog' } },
    ]);
    expect(output.migrations).toEqual([
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

    expect(runtime.metrics.recorded).toEqual([{ name: REPLICATION_HEALTHY_METRIC, unit: 'Count', value: 1, dimensions: { migrationId: 'orders' } }]);
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
    expect(output.migrations[0]).toEqual({ migrationId: 'orders', observed: true, phase: 'cut-over', direction: 'reverse', state: 'cdc', healthy: true, lagSeconds: 4 });
    expect(runtime.metrics.recorded).toContainEqual({ name: REPLICATION_LAG_METRIC, unit: 'Seconds', value: 4, dimensions: { migrationId: 'orders' } });
  });

  it('publishes unhealthy when a cut-over migration has no reverse replication', async () => {
    const runtime = await runtimeWith({ orders: engineOf(streaming(1)) });
    await putInPhase(runtime.store, 'orders', 'cut-over');

    const output = await replicationMonitorStep({ migrationIds: ['orders'] }, runtime);

    expect(runtime.metrics.recorded).toEqual([{ name: REPLICATION_HEALTHY_METRIC, unit: 'Count', value: 0, dimensions: { migrationId: 'orders' } }]);
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

    expect(runtime.metrics.recorded).toEqual([{ name: REPLICATION_HEALTHY_METRIC, unit: 'Count', value: 0, dimensions: { migrationId: 'orders' } }]);
    expect(output.migrations[0]).toMatchObject({ healthy: false, state: status.state, lagSeconds: null, problem: expect.stringMatching(problem) });
  });

  it('publishes no lag when it is unknown, never a zero, and keeps the replication healthy', async () => {
    const unknown = new ScriptedEngine({ status: { state: 'cdc', tables: [] }, lag: () => Promise.reject(new ReplicationLagUnknownError('subscriber not connected')) });
    const runtime = await runtimeWith({ orders: engineOf(unknown) });
    await putInPhase(runtime.store, 'orders', 'ready');

    const output = await replicationMonitorStep({ migrationIds: ['orders'] }, runtime);

    expect(runtime.metrics.recorded).toEqual([{ name: REPLICATION_HEALTHY_METRIC, unit: 'Count', value: 1, dimensions: { migrationId: 'orders' } }]);
    expect(output.migrations[0]).toMatchObject({ healthy: true, lagSeconds: null, problem: 'lag unknown: ReplicationLagUnknownError: subscriber not connected' });
  });

  it('publishes nothing for migrations not replicating: not started, or rolled back', async () => {
    const runtime = await runtimeWith({ fresh: engineOf(streaming(1)), undone: engineOf(streaming(1)), never: engineOf(streaming(1)) });
    await putInPhase(runtime.store, 'fresh', 'new');
    await putInPhase(runtime.store, 'undone', 'rolled-back');

    const output = await replicationMonitorStep({ migrationIds: ['fresh', 'undone', 'never'] }, runtime);

    expect(runtime.metrics.recorded).toEqual([]);
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
    expect(runtime.metrics.recorded).toEqual([
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
