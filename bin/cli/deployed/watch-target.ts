import { UsageError } from '../usage-error';
import { DeployedEnvironmentError } from './aws-errors';
import { WORKFLOW_NAMES, type DeployedEnvironment, type WorkflowName } from './environment';
import { runningExecutions, type RunningExecution } from './running-executions';

/** The parts of a standard execution's ARN: `arn:aws:states:<region>:<account>:execution:<state machine>:<name>`. */
export interface ExecutionArnParts {
  readonly region: string;
  readonly account: string;
  readonly stateMachine: string;
  readonly name: string;
}

const EXECUTION_ARN = /^arn:aws[a-z-]*:states:([a-z0-9-]+):(\d{12}):execution:([^:\s]+):([^:\s]+)$/;

export function parseExecutionArn(arn: string): ExecutionArnParts {
  const found = EXECUTION_ARN.exec(arn);
  if (!found) {
    throw new UsageError(`execution-arn: expected arn:aws:states:<region>:<account>:execution:<state machine>:<name>, got '${arn}'`);
  }
  return { region: found[1]!, account: found[2]!, stateMachine: found[3]!, name: found[4]! };
}

export function workflowName(value: string): WorkflowName {
  if (!(WORKFLOW_NAMES as readonly string[]).includes(value)) throw new UsageError(`--workflow: expected one of ${WORKFLOW_NAMES.join(', ')}, got '${value}'`);
  return value as WorkflowName;
}

/**
 * The newest RUNNING execution of the environment's state machines (or of `workflow`'s) whose
 * input is for `migrationId`. ListExecutions does not return inputs, so each running execution is
 * described once; there are few (one workflow holds a migration's lock at a time, plus drift).
 */
export async function runningExecutionOf(env: DeployedEnvironment, migrationId: string, workflow?: WorkflowName): Promise<{ readonly executionArn: string; readonly workflow: WorkflowName }> {
  const workflows = workflow === undefined ? WORKFLOW_NAMES.filter((w) => env.stateMachineArns[w] !== undefined) : [workflow];
  const newest = (await runningExecutions(env, workflows))
    .filter((e) => e.migrationId === migrationId)
    .reduce<RunningExecution | undefined>((best, e) => (best === undefined || e.startedAt > best.startedAt ? e : best), undefined);
  if (newest === undefined) {
    throw new DeployedEnvironmentError(
      `no running execution of migration '${migrationId}' in ${workflows.length === 1 ? 'workflow' : 'workflows'} ${workflows.join(', ')} of stack ${env.stackName}: ` +
        'start one with `ferry start`, or watch a finished one by its execution ARN',
    );
  }
  return { executionArn: newest.executionArn, workflow: newest.workflow };
}
