import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  atExpression,
  eventBridgeFinishScheduler,
  FINISH_SCHEDULER_ROLE_ARN_ENV,
  FINISH_STATE_MACHINE_ARN_ENV,
  finishScheduleName,
  SCHEDULE_PREFIX_ENV,
} from '../../../lambdas/shared/finish-scheduler';
import { useMoto } from '../../helpers/moto';

const ENV = {
  [FINISH_STATE_MACHINE_ARN_ENV]: 'arn:aws:states:eu-west-1:123456789012:stateMachine:Ferry-test-finish',
  [FINISH_SCHEDULER_ROLE_ARN_ENV]: 'arn:aws:iam::123456789012:role/Ferry-test-FinishSchedulerRole',
  [SCHEDULE_PREFIX_ENV]: 'Ferry-test',
};

describe('eventBridgeFinishScheduler, against moto', () => {
  const moto = useMoto();
  let client: SchedulerClient;
  beforeAll(() => {
    client = new SchedulerClient(moto.clientConfig());
  });
  afterAll(() => client.destroy());

  it('creates a one-time schedule that starts the finish workflow with the scheduled input, and deletes itself after it ran', async () => {
    const scheduler = eventBridgeFinishScheduler(client, ENV);
    const at = Date.parse('2027-01-05T10:30:00.250Z');

    const name = await scheduler.scheduleFinish('orders', at);

    const schedule = await client.send(new GetScheduleCommand({ Name: name }));
    expect(name).toBe('Ferry-test-orders-finish');
    expect(schedule).toMatchObject({
      ScheduleExpression: 'at(2027-01-05T10:30:01)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      State: 'ENABLED',
      Target: {
        Arn: ENV[FINISH_STATE_MACHINE_ARN_ENV],
        RoleArn: ENV[FINISH_SCHEDULER_ROLE_ARN_ENV],
        RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 20 },
      },
    });
    expect(JSON.parse(schedule.Target!.Input!)).toEqual({ migrationId: 'orders', scheduled: true });
  });

  it('moves the existing schedule when a later cutover schedules the same migration again', async () => {
    const scheduler = eventBridgeFinishScheduler(client, ENV);
    await scheduler.scheduleFinish('billing', Date.parse('2027-01-05T10:00:00Z'));

    const name = await scheduler.scheduleFinish('billing', Date.parse('2027-01-06T08:00:00Z'));

    const schedule = await client.send(new GetScheduleCommand({ Name: name }));
    expect(schedule.ScheduleExpression).toBe('at(2027-01-06T08:00:00)');
  });

  it('cancels a schedule once, and says so when there is none left', async () => {
    const scheduler = eventBridgeFinishScheduler(client, ENV);
    await scheduler.scheduleFinish('ledger', Date.parse('2027-01-05T10:00:00Z'));

    expect(await scheduler.cancelFinish('ledger')).toBe(true);
    expect(await scheduler.cancelFinish('ledger')).toBe(false);
  });
});

describe('finishScheduleName', () => {
  it('keeps short names readable and shortens long ones within 64 characters, keeping them apart by a hash', () => {
    const long = finishScheduleName('Ferry-a-very-long-environment-name', 'orders-eu-central-and-more-text');
    const other = finishScheduleName('Ferry-a-very-long-environment-name', 'orders-eu-central-and-more-texu');

    expect(finishScheduleName('Ferry-prod', 'orders')).toBe('Ferry-prod-orders-finish');
    expect(long.length).toBeLessThanOrEqual(64);
    expect(long).toMatch(/^Ferry-a-very-long-environment-name-.*-[0-9a-f]{8}-finish$/);
    expect(long).not.toBe(other);
  });

  it('rounds the time up to the next whole second, since a schedule must not fire before the window ends', () => {
    expect(atExpression(Date.parse('2027-01-05T10:30:00.000Z'))).toBe('at(2027-01-05T10:30:00)');
    expect(atExpression(Date.parse('2027-01-05T10:30:00.001Z'))).toBe('at(2027-01-05T10:30:01)');
  });
});
