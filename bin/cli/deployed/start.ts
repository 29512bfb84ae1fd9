import { randomBytes } from 'node:crypto';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { EXIT } from '../command';
import type { CliIo } from '../io';
import { awsCall } from './aws-errors';
import { withDeployedEnvironment, type WorkflowName } from './environment';
import { selectMigrations } from './migrations';
import { workflowInput } from './start-options';
import { followExecution } from './watch';

export interface StartOptions {
  readonly workflow: WorkflowName;
  readonly migration: string;
  readonly env: string;
  readonly cdkJson?: string;
  /** Follow the execution until it ends, and exit with its status. */
  readonly watch?: boolean;
  readonly json?: boolean;
  /** The workflow's input flags as commander parsed them (camelCase field names). */
  readonly input?: Readonly<Record<string, unknown>>;
  /** Milliseconds between polls with --watch. @default followExecution's */
  readonly pollMs?: number;
}

/**
 * `ferry start <workflow>`: the input checked with the workflow's own schema before anything is
 * called, the migration checked against the environment's configuration, then StartExecution on
 * the stack's state machine under a readable name. Prints the execution's ARN and console URL;
 * with `--watch` follows it (bin/cli/deployed/watch.ts) and exits with its status.
 */
export async function runStart(options: StartOptions, io: CliIo): Promise<number> {
  const input = workflowInput(options.workflow, options.migration, options.input ?? {});
  return withDeployedEnvironment(options, io, async (env) => {
    selectMigrations(env, options.migration);
    const stateMachineArn = env.stateMachineArn(options.workflow);
    const name = executionName(options.migration, options.workflow, io.now());
    const started = await awsCall('states:StartExecution', () => env.clients.sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) })));
    const executionArn = started.executionArn!;
    const result = { workflow: options.workflow, migrationId: options.migration, executionArn, startedAt: (started.startDate ?? new Date(io.now())).toISOString(), consoleUrl: env.executionConsoleUrl(executionArn), input };
    const human = `Started ${options.workflow} for ${options.migration}: ${executionArn}\n  ${result.consoleUrl}\n`;
    if (options.watch) {
      // stdout is the watch's (its JSON lines with --json); where it started goes to stderr.
      io.err(human);
      return followExecution(env.clients.sfn, executionArn, io, { json: options.json === true, ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }) });
    }
    io.out(options.json ? `${JSON.stringify(result, null, 2)}\n` : human);
    return EXIT.ok;
  });
}

/** `orders-cutover-20261203T101500Z-3f9a`: who, what and when, readable in the console's list; the suffix keeps two starts in one second apart. */
export function executionName(migrationId: string, workflow: WorkflowName, now: number): string {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${migrationId}-${workflow}-${stamp}-${randomBytes(2).toString('hex')}`;
}
