import { describe, expect, it } from 'vitest';
import { CHECK_IDS } from '../../../lambdas/shared/preflight/checks';
import type { Phase } from '../../../lambdas/shared/checkpoints';
import type { MigrationConfigInput } from '../../../lambdas/shared/migration-config';
import { RUN_POINTER_KIND } from '../../../lambdas/validate-input/run-pointer';
import { EVENTS_PER_TABLE, HISTORY_EVENT_LIMIT, MIGRATE_DEFAULTS, worstCasePollingEvents } from '../../../lambdas/shared/migrate-limits';
import { validateInputStep } from '../../../lambdas/validate-input/step';
import { localRuntime, type LocalRuntime } from '../../../local/runtime';
import { useDynalite } from '../../helpers/dynalite';
import { ORDERS as OFFLINE_ORDERS } from '../../helpers/migrations';

const ORDERS: MigrationConfigInput = {
  ...OFFLINE_ORDERS,
  thresholds: { maxLagSecondsForCutover: 8 },
};

const arn = (name: string) => `arn:aws:states:eu-west-1:123456789012:execution:Ferry-dev-migrate:${name}`;
const event = (input: unknown, name = 'exec-1') => ({ workflow: 'migrate', input, executionId: arn(name), executionName: name });

describe('validate-input step', () => {
  const dynamo = useDynalite();
  const newRuntime = async (): Promise<LocalRuntime> => localRuntime({ store: await dynamo.newStore(), migrations: [ORDERS], secrets: {} });

  it('starts a new run with the defaults and the migration\'s lag threshold, and records it as the current run', async () => {
    // Prepare
    const runtime = await newRuntime();

    // Act
    const run = await validateInputStep(event({ migrationId: 'orders' }), runtime);

    // Assess
    expect(run).toEqual({
      migrationId: 'orders',
      runId: 'migrate-orders-exec-1',
      resumed: false,
      owner: arn('exec-1'),
      waive: [],
      settleMs: 2000,
      leaseSeconds: 172_800,
      pollSeconds: 120,
      lagThresholdSeconds: 8,
      polls: { fullLoad: 0, lag: 0 },
      maxPolls: { fullLoad: 720, lag: 60, compareRounds: 200 },
    });
    const pointer = await runtime.store.latestReport<{ runId: string; executionId: string }>('orders', RUN_POINTER_KIND);
    expect(pointer?.report).toMatchObject({ runId: 'migrate-orders-exec-1', executionId: arn('exec-1') });
  });

  it('passes waive and settleMs through', async () => {
    // Prepare
    const runtime = await newRuntime();

    // Act
    const run = await validateInputStep(event({ migrationId: 'orders', waive: ['replica-identity'], settleMs: 10_000 }), runtime);

    // Assess
    expect(run).toMatchObject({ waive: ['replica-identity'], settleMs: 10_000 });
  });

  it('resumes the current run in a later execution, so finished steps are not repeated', async () => {
    // Prepare
    const runtime = await newRuntime();
    await validateInputStep(event({ migrationId: 'orders' }, 'exec-1'), runtime);

    // Act
    const second = await validateInputStep(event({ migrationId: 'orders' }, 'exec-2'), runtime);

    // Assess
    expect(second).toMatchObject({ runId: 'migrate-orders-exec-1', resumed: true, owner: arn('exec-2') });
  });

  it('starts a new run with restart, which later executions then resume', async () => {
    // Prepare
    const runtime = await newRuntime();
    await validateInputStep(event({ migrationId: 'orders' }, 'exec-1'), runtime);

    // Act
    const restarted = await validateInputStep(event({ migrationId: 'orders', restart: true }, 'exec-2'), runtime);
    const third = await validateInputStep(event({ migrationId: 'orders' }, 'exec-3'), runtime);

    // Assess
    expect(restarted).toMatchObject({ runId: 'migrate-orders-exec-2', resumed: false });
    expect(third).toMatchObject({ runId: 'migrate-orders-exec-2', resumed: true });
  });

  it('gives a retried validation of the same restarting execution the same run, recorded once', async () => {
    // Prepare
    const runtime = await newRuntime();
    await validateInputStep(event({ migrationId: 'orders' }, 'exec-1'), runtime);

    // Act
    const first = await validateInputStep(event({ migrationId: 'orders', restart: true }, 'exec-2'), runtime);
    const retried = await validateInputStep(event({ migrationId: 'orders', restart: true }, 'exec-2'), runtime);

    // Assess
    expect(retried.runId).toBe(first.runId);
    expect(await runtime.store.listReports('orders', RUN_POINTER_KIND, 10)).toHaveLength(2);
  });

  it('names every invalid field as the operator wrote it, before touching the store', async () => {
    // Prepare
    const runtime = await newRuntime();

    // Act
    const error = await validateInputStep(event({ migrationId: 'orders', restart: 'yes', settleMs: 1.5, waiv: ['ssl'] }), runtime).catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({ name: 'InvalidInputError' });
    const { message } = error as Error;
    expect(message).toContain('restart: ');
    expect(message).toContain('settleMs: ');
    expect(message).toContain('unknown field(s) waiv');
    expect(message).not.toContain('input.');
    expect(await runtime.store.latestReport('orders', RUN_POINTER_KIND)).toBeUndefined();
  });

  it('requires a migrationId and an object as input', async () => {
    // Prepare
    const runtime = await newRuntime();

    // Act
    const noId = await validateInputStep(event({}), runtime).catch((e: Error) => e);
    const noInput = await validateInputStep({ workflow: 'migrate', executionId: arn('x'), executionName: 'x' }, runtime).catch((e: Error) => e);

    // Assess
    expect(noId).toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('migrationId: ') });
    expect(noInput).toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('{"migrationId": "orders"}') });
  });

  it('rejects an unknown check in waive, listing the valid ones', async () => {
    // Prepare
    const runtime = await newRuntime();

    // Act
    const error = await validateInputStep(event({ migrationId: 'orders', waive: ['ssl', 'replica-identiy'] }), runtime).catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining(`waive.1: no check named 'replica-identiy' (checks: ${CHECK_IDS.join(', ')})`),
    });
  });

  it.each(['cutting-over', 'cut-over', 'rolling-back'] as const)('refuses to start while the migration is %s, before recording a run', async (phase) => {
    // Prepare
    const runtime = await newRuntime();
    const path: Record<typeof phase, Phase[]> = {
      'cutting-over': ['replicating', 'ready', 'cutting-over'],
      'cut-over': ['replicating', 'ready', 'cutting-over', 'cut-over'],
      'rolling-back': ['replicating', 'rolling-back'],
    };
    for (const to of path[phase]) {
      const { version } = await runtime.store.ensureState('orders');
      await runtime.store.transition('orders', { to, expectedVersion: version, reason: 'test' });
    }

    // Act
    const error = await validateInputStep(event({ migrationId: 'orders' }), runtime).catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({
      name: 'MigratePhaseError',
      message: expect.stringContaining(`is in phase "${phase}"; the migrate workflow (which starts replication from the source) runs only in phases "new", "replicating", "ready", "rolled-back", "aborted"`),
    });
    expect(await runtime.store.latestReport('orders', RUN_POINTER_KIND)).toBeUndefined();
  });

  it('runs again from ready, to refresh the comparison', async () => {
    // Prepare
    const runtime = await newRuntime();
    for (const to of ['replicating', 'ready'] as const) {
      const { version } = await runtime.store.ensureState('orders');
      await runtime.store.transition('orders', { to, expectedVersion: version, reason: 'test' });
    }

    // Act
    const run = await validateInputStep(event({ migrationId: 'orders' }), runtime);

    // Assess
    expect(run.runId).toBe('migrate-orders-exec-1');
  });

  it('names an unknown migration and the configured ones', async () => {
    // Prepare
    const runtime = await newRuntime();

    // Act
    const error = await validateInputStep(event({ migrationId: 'invoices' }), runtime).catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({ name: 'MigrationNotConfiguredError', message: expect.stringContaining('(configured: orders)') });
    expect(await runtime.store.latestReport('invoices', RUN_POINTER_KIND)).toBeUndefined();
  });
});

describe('validate-input step, for the finish workflow', () => {
  const dynamo = useDynalite();
  const finish = (input: unknown, name = 'fin-1') => ({ workflow: 'finish', input, executionId: arn(name), executionName: name });

  it('gives the run its own id, the lock lease and the flags, false unless given', async () => {
    const runtime = localRuntime({ store: await dynamo.newStore(), migrations: [ORDERS], secrets: {} });

    expect(await validateInputStep(finish({ migrationId: 'orders' }), runtime)).toMatchObject({ migrationId: 'orders', runId: 'finish:orders:fin-1', owner: arn('fin-1'), force: false, scheduled: false });
    expect(await validateInputStep(finish({ migrationId: 'orders', force: true }), runtime)).toMatchObject({ force: true });
  });

  it('names a misspelt or mistyped field and an unknown migration, before anything runs', async () => {
    const runtime = localRuntime({ store: await dynamo.newStore(), migrations: [ORDERS], secrets: {} });

    const misspelt = await validateInputStep(finish({ migrationId: 'orders', forse: true }), runtime).catch((e: Error) => e);
    const mistyped = await validateInputStep(finish({ migrationId: 'orders', force: 'yes' }), runtime).catch((e: Error) => e);
    const unknown = await validateInputStep(finish({ migrationId: 'invoices' }), runtime).catch((e: Error) => e);
    const none = await validateInputStep({ workflow: 'finish', executionId: arn('x'), executionName: 'x' }, runtime).catch((e: Error) => e);

    expect(misspelt).toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('unknown field(s) forse') });
    expect(mistyped).toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('force: ') });
    expect(unknown).toMatchObject({ name: 'MigrationNotConfiguredError' });
    expect(none).toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('{"migrationId": "orders"}') });
  });
});

describe('the migrate workflow\'s limits', () => {
  it('wait 24 h for the full load and 2 h for the lag', () => {
    expect(MIGRATE_DEFAULTS.maxPolls.fullLoad * MIGRATE_DEFAULTS.pollSeconds).toBe(24 * 3600);
    expect(MIGRATE_DEFAULTS.maxPolls.lag * MIGRATE_DEFAULTS.pollSeconds).toBe(2 * 3600);
  });

  it('leave room in the 25,000-event history for 1,000 tables after both wait loops ran out', () => {
    const events = worstCasePollingEvents(MIGRATE_DEFAULTS) + 1_000 * EVENTS_PER_TABLE;
    expect(events).toBeLessThanOrEqual(HISTORY_EVENT_LIMIT);
  });

  it('give the lock a lease as long as the workflow may run (TimeoutSeconds)', async () => {
    const { readFileSync } = await import('node:fs');
    const path = await import('node:path');
    const asl = JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', 'statemachines', 'migrate.asl.json'), 'utf8')) as { TimeoutSeconds: number };
    expect(MIGRATE_DEFAULTS.leaseSeconds).toBe(asl.TimeoutSeconds);
  });
});
