import { ECSClient, ListTasksCommand, RunTaskCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import { z } from 'zod';
import { TransientError } from '../../errors';
import type { CopyRunner } from './copy-runner';

/** The environment variable the stack sets on the steps (FERRY_COPY_TASK): where a copy job runs. */
export const COPY_TASK_ENV = 'FERRY_COPY_TASK';

/** The copy task as the stack deployed it (lib/constructs/copy-task.ts). */
export const CopyTaskSchema = z.strictObject({
  cluster: z.string().min(1),
  taskDefinition: z.string().min(1),
  container: z.string().min(1),
  subnets: z.array(z.string().min(1)).min(1),
  securityGroups: z.array(z.string().min(1)).min(1),
});
export type CopyTask = z.infer<typeof CopyTaskSchema>;

/** ECS could not place the task now (capacity, an ENI limit): the step retries. */
export class CopyTaskNotStartedError extends TransientError {
  override readonly name = 'CopyTaskNotStartedError';
}

/** The task's `startedBy`, by which a later step finds it: at most 128 letters, digits, -, / and _ (the RunTask reference). */
export function copyTaskTag(migrationId: string): string {
  return `ferry-copy-${migrationId}`.slice(0, 128);
}

/**
 * The CopyRunner as an ECS Fargate task (RunTask, in the functions' subnets and security groups,
 * no public IP), told which migration to copy by its command. Whether one runs is ListTasks by
 * `startedBy` with desired status RUNNING, which covers a task still being provisioned.
 */
export function ecsCopyRunner(ecs: ECSClient, task: CopyTask): CopyRunner {
  const running = async (migrationId: string) =>
    (await ecs.send(new ListTasksCommand({ cluster: task.cluster, startedBy: copyTaskTag(migrationId), desiredStatus: 'RUNNING' }))).taskArns ?? [];
  return {
    async start(migrationId) {
      const out = await ecs.send(
        new RunTaskCommand({
          cluster: task.cluster,
          taskDefinition: task.taskDefinition,
          launchType: 'FARGATE',
          count: 1,
          startedBy: copyTaskTag(migrationId),
          networkConfiguration: { awsvpcConfiguration: { subnets: task.subnets, securityGroups: task.securityGroups, assignPublicIp: 'DISABLED' } },
          overrides: { containerOverrides: [{ name: task.container, command: ['node', 'copy-task.js', migrationId] }] },
        }),
      );
      if ((out.tasks ?? []).length === 0) {
        const why = (out.failures ?? []).map((f) => `${f.reason ?? 'unknown'}${f.detail ? ` (${f.detail})` : ''}`).join('; ');
        throw new CopyTaskNotStartedError(`ECS did not start the copy task of migration '${migrationId}': ${why || 'no task and no failure returned'}.`);
      }
    },
    running: async (migrationId) => (await running(migrationId)).length > 0,
    async stop(migrationId) {
      for (const arn of await running(migrationId)) {
        await ecs.send(new StopTaskCommand({ cluster: task.cluster, task: arn, reason: `Ferry stopped the replication of migration '${migrationId}'` }));
      }
    },
  };
}

/** The deployed copy task from the environment, or undefined where none is (no native migration). */
export function loadCopyTask(env: NodeJS.ProcessEnv = process.env): CopyTask | undefined {
  const raw = env[COPY_TASK_ENV];
  return raw === undefined || raw === '' ? undefined : CopyTaskSchema.parse(JSON.parse(raw));
}
