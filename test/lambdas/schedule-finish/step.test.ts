import { describe, expect, it } from 'vitest';
import { scheduleFinishStep } from '../../../lambdas/schedule-finish/step';
import type { FinishScheduler } from '../../../lambdas/shared/finish-scheduler';
import { localRuntime } from '../../../local/runtime';
import { awsErrors } from '../../helpers/aws-errors';
import { useDynalite } from '../../helpers/dynalite';
import { ORDERS } from '../../helpers/migrations';

const OWNER = 'arn:aws:states:eu-west-1:123456789012:execution:Ferry-dev-cutover:first';
const INSTANT = { sleep: async () => undefined };

describe('schedule-finish step', () => {
  const dynamo = useDynalite();

  /** A runtime whose migration `orders` was cut over at `cutOverAt` (epoch ms). */
  async function cutOver(finishes?: FinishScheduler) {
    const runtime = localRuntime({ store: await dynamo.newStore(), migrations: [ORDERS], secrets: {}, ...(finishes ? { finishes } : {}) });
    const lease = await runtime.store.acquire('orders', OWNER, 3_600_000);
    for (const to of ['replicating', 'ready', 'cutting-over', 'cut-over'] as const) {
      const state = await runtime.store.ensureState('orders');
      await runtime.store.transition('orders', { to, expectedVersion: state.version, reason: 'test', lease });
    }
    const cutOverAt = Date.parse((await runtime.store.getState('orders'))!.history.at(-1)!.at);
    return { runtime, cutOverAt };
  }

  it("schedules the finish for the end of the observation window after the migration's cutover", async () => {
    const { runtime, cutOverAt } = await cutOver();

    const output = await scheduleFinishStep({ action: 'schedule', migrationId: 'orders' }, runtime);

    const window = runtime.migration('orders').thresholds.observationMinutes * 60_000;
    expect(output).toEqual({ action: 'scheduled', schedule: 'local-orders-finish', at: new Date(cutOverAt + window).toISOString() });
    expect(runtime.scheduledFinishes.get('orders')).toBe(cutOverAt + window);
  });

  it('tries again when EventBridge Scheduler throttles, and tells the operator when it never stops', async () => {
    let calls = 0;
    const flaky = await cutOver({
      scheduleFinish: async () => {
        calls += 1;
        if (calls < 3) throw awsErrors.throttling();
        return 'Ferry-dev-orders-finish';
      },
      cancelFinish: async () => false,
    });
    const throttled = await cutOver({ scheduleFinish: () => Promise.reject(awsErrors.throttling()), cancelFinish: async () => false });

    const scheduled = await scheduleFinishStep({ action: 'schedule', migrationId: 'orders' }, flaky.runtime, INSTANT);
    const gaveUp = await scheduleFinishStep({ action: 'schedule', migrationId: 'orders' }, throttled.runtime, INSTANT);

    expect(scheduled).toMatchObject({ action: 'scheduled', schedule: 'Ferry-dev-orders-finish' });
    expect(gaveUp).toMatchObject({ action: 'not-scheduled', why: expect.stringContaining('EventBridge Scheduler is busy') });
    expect(throttled.runtime.notifier.sent.map((n) => n.event)).toEqual(['finish-not-scheduled']);
  });

  it('never schedules in the past: a window of 0 minutes fires a minute from now', async () => {
    const runtime = localRuntime({ store: await dynamo.newStore(), migrations: [{ ...ORDERS, thresholds: { observationMinutes: 0 } }], secrets: {}, now: () => Date.parse('2030-01-01T12:00:00Z') });

    const output = await scheduleFinishStep({ action: 'schedule', migrationId: 'orders' }, runtime);

    expect(output).toMatchObject({ action: 'scheduled', at: '2030-01-01T12:01:00.000Z' });
  });

  it('does not fail a cutover that succeeded when the schedule is refused, and tells when to finish by hand', async () => {
    const denied = Object.assign(new Error('User is not authorized to perform: scheduler:CreateSchedule'), { name: 'AccessDeniedException', $fault: 'client' });
    const { runtime } = await cutOver({ scheduleFinish: () => Promise.reject(denied), cancelFinish: async () => false });

    const output = await scheduleFinishStep({ action: 'schedule', migrationId: 'orders' }, runtime);

    expect(output).toMatchObject({ action: 'not-scheduled', why: expect.stringContaining('scheduler:CreateSchedule') });
    expect(runtime.notifier.sent).toHaveLength(1);
    expect(runtime.notifier.sent[0]).toMatchObject({
      event: 'finish-not-scheduled',
      message: expect.stringContaining('start the finish workflow with {"migrationId": "orders"}'),
    });
  });

  it('cancels a schedule, and says when there was none', async () => {
    const { runtime } = await cutOver();
    await scheduleFinishStep({ action: 'schedule', migrationId: 'orders' }, runtime);

    expect(await scheduleFinishStep({ action: 'cancel', migrationId: 'orders' }, runtime)).toEqual({ action: 'cancelled', migrationId: 'orders' });
    expect(await scheduleFinishStep({ action: 'cancel', migrationId: 'orders' }, runtime)).toEqual({ action: 'none', migrationId: 'orders' });
  });

  it('names the field of a bad request and changes nothing', async () => {
    const { runtime } = await cutOver();

    await expect(scheduleFinishStep({ action: 'postpone', migrationId: 'orders' }, runtime)).rejects.toThrow(/action must be 'schedule' or 'cancel'/);
    expect(runtime.scheduledFinishes.size).toBe(0);
  });
});
