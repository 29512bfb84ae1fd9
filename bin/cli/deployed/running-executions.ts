import { DescribeExecutionCommand, ListExecutionsCommand, type ExecutionListItem } from '@aws-sdk/client-sfn';
import { awsCall } from './aws-errors';
import { WORKFLOW_NAMES, type DeployedEnvironment, type WorkflowName } from './environment';

export interface RunningExecution {
  readonly workflow: WorkflowName;
  readonly name: string;
  readonly executionArn: string;
  /** ISO-8601. */
  readonly startedAt: string;
  readonly consoleUrl: string;
}

/** Every workflow's RUNNING executions, each with the migration its input names (DescribeExecution). */
export async function runningExecutions(env: DeployedEnvironment, workflows: readonly WorkflowName[] = WORKFLOW_NAMES.filter((w) => env.stateMachineArns[w] !== undefined)): Promise<Array<RunningExecution & { readonly migrationId?: string }>> {
  const { sfn } = env.clients;
  const perWorkflow = await Promise.all(
    workflows.map(async (workflow) => {
      const items: ExecutionListItem[] = [];
      let nextToken: string | undefined;
      do {
        const page = await awsCall('states:ListExecutions', () =>
          sfn.send(new ListExecutionsCommand({ stateMachineArn: env.stateMachineArn(workflow), statusFilter: 'RUNNING', maxResults: 100, nextToken })),
        );
        items.push(...(page.executions ?? []));
        nextToken = page.nextToken;
      } while (nextToken !== undefined);
      return Promise.all(
        items.map(async (item) => {
          const described = await awsCall('states:DescribeExecution', () => sfn.send(new DescribeExecutionCommand({ executionArn: item.executionArn })));
          const migrationId = migrationOf(described.input);
          return {
            workflow,
            name: item.name ?? '',
            executionArn: item.executionArn!,
            startedAt: (item.startDate ?? new Date(0)).toISOString(),
            consoleUrl: env.executionConsoleUrl(item.executionArn!),
            ...(migrationId === undefined ? {} : { migrationId }),
          };
        }),
      );
    }),
  );
  return perWorkflow.flat();
}

function migrationOf(input: string | undefined): string | undefined {
  try {
    const parsed: unknown = JSON.parse(input ?? '');
    const id = (parsed as { migrationId?: unknown } | null)?.migrationId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
