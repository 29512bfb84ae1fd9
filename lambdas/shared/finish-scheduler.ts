import { createHash } from 'node:crypto';
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
  type CreateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import { requiredEnv } from './runtime-config';

/** What starts the finish workflow when a cutover's observation window ends. */
export interface FinishScheduler {
  /** Creates, or moves to `at` (epoch ms), the one schedule per migration that starts the finish workflow once. Returns its name. */
  scheduleFinish(migrationId: string, at: number): Promise<string>;
  /** Deletes the migration's schedule; false when there was none (it fired already, or none was made). */
  cancelFinish(migrationId: string): Promise<boolean>;
}

/** Set by the stack on the functions that schedule the finish: the finish state machine, the role the schedule runs as, and the name prefix. */
export const FINISH_STATE_MACHINE_ARN_ENV = 'FERRY_FINISH_STATE_MACHINE_ARN';
export const FINISH_SCHEDULER_ROLE_ARN_ENV = 'FERRY_FINISH_SCHEDULER_ROLE_ARN';
export const SCHEDULE_PREFIX_ENV = 'FERRY_SCHEDULE_PREFIX';

/** Schedule names: 1-64 of letters, digits, `-`, `_` and `.`. */
const MAX_NAME = 64;

/** `<prefix>-<migrationId>-finish`; a name too long keeps 8 hex digits of its hash, so two long names stay apart. */
export function finishScheduleName(prefix: string, migrationId: string): string {
  const name = `${prefix}-${migrationId}-finish`.replace(/[^A-Za-z0-9_.-]/g, '-');
  if (name.length <= MAX_NAME) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, MAX_NAME - '-finish'.length - hash.length - 1)}-${hash}-finish`;
}

/** `at(2026-12-02T15:04:05)`: a one-time schedule, read in UTC. */
export function atExpression(at: number): string {
  return `at(${new Date(Math.ceil(at / 1000) * 1000).toISOString().slice(0, 19)})`;
}

/**
 * EventBridge Scheduler's one-time schedules, in the default group: the schedule starts the finish
 * state machine with `{"migrationId", "scheduled": true}` and deletes itself once it has run. A
 * later cutover of the same migration moves the same schedule.
 */
export function eventBridgeFinishScheduler(client: SchedulerClient = new SchedulerClient({}), env: NodeJS.ProcessEnv = process.env): FinishScheduler {
  const name = (migrationId: string) => finishScheduleName(requiredEnv(SCHEDULE_PREFIX_ENV, env), migrationId);
  return {
    async scheduleFinish(migrationId, at) {
      const input: CreateScheduleCommandInput = {
        Name: name(migrationId),
        Description: `Ferry: finish migration ${migrationId} when its observation window ends`,
        ScheduleExpression: atExpression(at),
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        State: 'ENABLED',
        Target: {
          Arn: requiredEnv(FINISH_STATE_MACHINE_ARN_ENV, env),
          RoleArn: requiredEnv(FINISH_SCHEDULER_ROLE_ARN_ENV, env),
          Input: JSON.stringify({ migrationId, scheduled: true }),
          RetryPolicy: { MaximumEventAgeInSeconds: 24 * 3600, MaximumRetryAttempts: 20 },
        },
      };
      try {
        await client.send(new CreateScheduleCommand(input));
      } catch (error) {
        if (!(error instanceof ConflictException)) throw error;
        await client.send(new UpdateScheduleCommand(input));
      }
      return input.Name!;
    },
    async cancelFinish(migrationId) {
      try {
        await client.send(new DeleteScheduleCommand({ Name: name(migrationId) }));
        return true;
      } catch (error) {
        if (error instanceof ResourceNotFoundException) return false;
        throw error;
      }
    },
  };
}
