import { describe, expect, it, vi } from 'vitest';
import type { Phase } from '../../../lambdas/shared/checkpoints';
import type { MigrationConfigInput } from '../../../lambdas/shared/migration-config';
import { logger } from '../../../lambdas/shared/observability';
import { ROLLBACK_IGNORED_KIND, rollbackPlanStep } from '../../../lambdas/rollback-plan/step';
import { localRuntime, type LocalRuntime } from '../../../local/runtime';
import { manualClock } from '../../helpers/clock';
import { useDynalite } from '../../helpers/dynalite';
import { ORDERS as OFFLINE_ORDERS } from '../../helpers/migrations';

const ORDERS: MigrationConfigInput = {
  ...OFFLINE_ORDERS,
  thresholds: { observationMinutes: 30 },
};
const EXECUTION = 'arn:aws:states:eu-west-1:123456789012:execution:Ferry-dev-rollback:alarm-1';
const LEASE = { owner: EXECUTION, token: 1, expiresAt: Date.UTC(2030, 0, 2) };
const ALARM_TRIGGER = { migrationId: 'orders', reason: 'alarm Ferry-dev-orders-errors went to ALARM', alarmName: 'Ferry-dev-orders-errors', executionId: EXECUTION };
const CONSOLE_TRIGGER = { migrationId: 'orders', reason: 'the operator asked for it', executionId: EXECUTION };

describe('rollback-plan step', () => {
  const dynamo = useDynalite();
  const clock = manualClock();
  const newRuntime = async (): Promise<LocalRuntime> =>
    localRuntime({ store: await dynamo.newStore({ now: clock.now }), migrations: [ORDERS], secrets: {}, now: clock.now });
  /** Moves the migration along `path` from new, without a lease. */
  const moveThrough = async (runtime: LocalRuntime, path: readonly Phase[]) => {
    for (const to of path) {
      const { version } = await runtime.store.ensureState('orders');
      await runtime.store.transition('orders', { to, expectedVersion: version, reason: `test moves to ${to}` });
    }
  };
  const ignoredReports = (runtime: LocalRuntime) => runtime.store.listReports('orders', ROLLBACK_IGNORED_KIND);

  it('records and tells the operator about a trigger the workflow ignores because another holds the lock', async () => {
    // Prepare
    const runtime = await newRuntime();
    await moveThrough(runtime, ['replicating', 'ready']);

    // Act
    const decision = await rollbackPlanStep({ action: 'ignore', trigger: CONSOLE_TRIGGER, why: 'another workflow holds the migration lock' }, runtime);

    // Assess
    expect(decision).toEqual({ mode: 'ignore', phase: 'ready', message: 'another workflow holds the migration lock' });
    const reports = await ignoredReports(runtime);
    expect(reports.map((r) => r.report)).toEqual([
      { reason: 'the operator asked for it', alarmName: null, executionId: EXECUTION, phase: 'ready', why: 'another workflow holds the migration lock' },
    ]);
    expect(runtime.notifier.sent).toEqual([
      {
        migrationId: 'orders',
        event: 'rollback-ignored',
        subject: 'Ferry orders: rollback trigger ignored',
        message:
          'A rollback of migration "orders" was asked for (the operator asked for it) and changed nothing: another workflow holds the migration lock.\n\n' +
          `Execution: ${EXECUTION}`,
      },
    ]);
  });

  it('records and tells the operator about an alarm the plan ignores, naming the alarm', async () => {
    // Prepare
    const runtime = await newRuntime();
    await moveThrough(runtime, ['replicating', 'ready']);

    // Act
    const decision = await rollbackPlanStep({ action: 'plan', trigger: ALARM_TRIGGER, runId: 'run-1', lease: LEASE }, runtime);

    // Assess
    expect(decision).toMatchObject({ mode: 'ignore', phase: 'ready' });
    const [stored] = await ignoredReports(runtime);
    expect(stored?.report).toEqual({
      reason: ALARM_TRIGGER.reason,
      alarmName: 'Ferry-dev-orders-errors',
      executionId: EXECUTION,
      phase: 'ready',
      why: decision.message,
    });
    expect(runtime.notifier.sent).toHaveLength(1);
    expect(runtime.notifier.sent[0]?.message).toContain('alarm "Ferry-dev-orders-errors" fired before cutover');
  });

  it('uses the migration\'s observation window: an alarm after it is ignored, and the message ends with one full stop', async () => {
    // Prepare
    const runtime = await newRuntime();
    await moveThrough(runtime, ['replicating', 'ready', 'cutting-over', 'cut-over']);
    clock.advance(31 * 60_000);

    // Act
    const decision = await rollbackPlanStep({ action: 'plan', trigger: ALARM_TRIGGER, runId: 'run-1', lease: LEASE }, runtime);

    // Assess
    expect(decision).toMatchObject({ mode: 'ignore', phase: 'cut-over' });
    expect(await ignoredReports(runtime)).toHaveLength(1);
    const message = runtime.notifier.sent[0]?.message ?? '';
    expect(message).toContain('roll back anyway.\n\n');
    expect(message).not.toContain('..');
  });

  it('neither records nor notifies when the plan acts', async () => {
    // Prepare
    const runtime = await newRuntime();
    await moveThrough(runtime, ['replicating', 'ready']);

    // Act
    const decision = await rollbackPlanStep({ action: 'plan', trigger: CONSOLE_TRIGGER, runId: 'run-1', lease: LEASE }, runtime);

    // Assess
    expect(decision).toMatchObject({ mode: 'abort', phase: 'ready' });
    expect(await ignoredReports(runtime)).toEqual([]);
    expect(runtime.notifier.sent).toEqual([]);
  });

  it('rolls back on an alarm inside the observation window, without a report', async () => {
    // Prepare
    const runtime = await newRuntime();
    await moveThrough(runtime, ['replicating', 'ready', 'cutting-over', 'cut-over']);
    clock.advance(29 * 60_000);

    // Act
    const decision = await rollbackPlanStep({ action: 'plan', trigger: ALARM_TRIGGER, runId: 'run-1', lease: LEASE }, runtime);

    // Assess
    expect(decision).toMatchObject({ mode: 'roll-back', phase: 'cut-over' });
    expect(await ignoredReports(runtime)).toEqual([]);
    expect(runtime.notifier.sent).toEqual([]);
  });

  it('treats a migration that has no state yet as new, and ignores the trigger', async () => {
    // Prepare
    const runtime = await newRuntime();

    // Act
    const decision = await rollbackPlanStep({ action: 'plan', trigger: CONSOLE_TRIGGER, runId: 'run-1', lease: LEASE }, runtime);

    // Assess
    expect(decision).toMatchObject({ mode: 'ignore', phase: 'new' });
    expect(await ignoredReports(runtime)).toHaveLength(1);
  });

  it('still returns the decision and keeps the report when the notification fails', async () => {
    // Prepare
    const runtime = await newRuntime();
    vi.spyOn(runtime.notifier, 'notify').mockRejectedValueOnce(new Error('SNS is down'));
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);

    // Act
    const decision = await rollbackPlanStep({ action: 'ignore', trigger: ALARM_TRIGGER, why: 'another workflow holds the migration lock' }, runtime);

    // Assess
    expect(decision.mode).toBe('ignore');
    expect(await ignoredReports(runtime)).toHaveLength(1);
    expect(warn).toHaveBeenCalledWith('rollback-ignored notification failed', expect.objectContaining({ error: expect.any(Error) }));
    warn.mockRestore();
  });

  it('rejects inputs that miss a field, naming it', async () => {
    // Prepare
    const runtime = await newRuntime();
    const { reason: _reason, ...withoutReason } = CONSOLE_TRIGGER;

    // Act
    const noReason = await rollbackPlanStep({ action: 'plan', trigger: withoutReason, runId: 'run-1', lease: LEASE }, runtime).catch((e: Error) => e);
    const noLease = await rollbackPlanStep({ action: 'plan', trigger: CONSOLE_TRIGGER, runId: 'run-1' }, runtime).catch((e: Error) => e);
    const noWhy = await rollbackPlanStep({ action: 'ignore', trigger: CONSOLE_TRIGGER }, runtime).catch((e: Error) => e);
    const badAction = await rollbackPlanStep({ action: 'skip', trigger: CONSOLE_TRIGGER }, runtime).catch((e: Error) => e);
    const extra = await rollbackPlanStep({ action: 'ignore', trigger: { ...CONSOLE_TRIGGER, force: true }, why: 'x' }, runtime).catch((e: Error) => e);

    // Assess
    expect(noReason).toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('trigger.reason: ') });
    expect(noLease).toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('lease: ') });
    expect(noWhy).toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('why: ') });
    expect(badAction).toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining("action must be 'plan' or 'ignore'") });
    expect(extra).toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('trigger: unknown field(s) force') });
    expect(await ignoredReports(runtime)).toEqual([]);
    expect(runtime.notifier.sent).toEqual([]);
  });

  it('refuses a migration that is not configured, recording nothing', async () => {
    // Prepare
    const runtime = await newRuntime();

    // Act
    const error = await rollbackPlanStep({ action: 'ignore', trigger: { ...CONSOLE_TRIGGER, migrationId: 'invoices' }, why: 'x' }, runtime).catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({ name: 'MigrationNotConfiguredError' });
    expect(runtime.notifier.sent).toEqual([]);
  });
});
