import { Command } from 'commander';
import { command, type CommandContext } from './command';
import { UsageError } from './usage-error';

export interface WatchCommandOptions {
  /** The execution to follow; or `migration` and `env`. */
  readonly executionArn?: string;
  readonly migration?: string;
  readonly env?: string;
  readonly workflow?: string;
  readonly cdkJson?: string;
  readonly json?: boolean;
  /** @default 2000 */
  readonly pollMs?: number;
  /** Between polls; for tests. @default a timer */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/**
 * `ferry watch`: follows an execution of a deployed workflow until it ends (bin/cli/deployed/watch.ts)
 * and exits with its status: 0 SUCCEEDED; 1 FAILED, TIMED_OUT or ABORTED; 2 could not read it.
 * The execution is named by its ARN (the region is the ARN's), or found as the migration's running
 * one in `--env`'s stack.
 */
export const run = command(async (options: WatchCommandOptions, io) => {
  if ((options.executionArn === undefined) === (options.migration === undefined)) {
    throw new UsageError('watch: give an execution ARN, or --migration <id> with --env <name>, not both');
  }
  if (options.migration !== undefined && options.env === undefined) throw new UsageError('--migration needs --env <name>: the environment whose stack runs it');
  const [{ followExecution }, target] = await Promise.all([import('./deployed/watch'), import('./deployed/watch-target')]);
  const follow = { json: options.json, pollMs: options.pollMs, sleep: options.sleep };

  if (options.executionArn !== undefined) {
    const { region } = target.parseExecutionArn(options.executionArn);
    const [{ SFNClient }, { awsClientConfig }] = await Promise.all([import('@aws-sdk/client-sfn'), import('./aws')]);
    const sfn = new SFNClient({ ...awsClientConfig(io.env, 'SFN'), region });
    try {
      return await followExecution(sfn, options.executionArn, io, follow);
    } finally {
      sfn.destroy();
    }
  }

  const workflow = options.workflow === undefined ? undefined : target.workflowName(options.workflow);
  const { withDeployedEnvironment } = await import('./deployed/environment');
  return withDeployedEnvironment({ env: options.env!, cdkJson: options.cdkJson }, io, async (env) => {
    const found = await target.runningExecutionOf(env, options.migration!, workflow);
    const consoleUrl = env.executionConsoleUrl(found.executionArn);
    if (options.json) io.out(`${JSON.stringify({ event: 'found', workflow: found.workflow, executionArn: found.executionArn, consoleUrl })}\n`);
    else io.out(`${found.workflow} execution ${found.executionArn}\nconsole: ${consoleUrl}\n`);
    return followExecution(env.clients.sfn, found.executionArn, io, follow);
  });
});

export function watchCommand(ctx: CommandContext): Command {
  return new Command('watch')
    .description(
      'follow an execution of a deployed workflow: each finished step with its key output, failures with their cause, the current state (exit 0 SUCCEEDED, 1 FAILED/TIMED_OUT/ABORTED, 2 could not read it)',
    )
    .argument('[execution-arn]', 'the execution to follow (its region is taken from the ARN)')
    .option('--migration <id>', "instead of an ARN: the migration's newest running execution")
    .option('--env <name>', 'with --migration: the environment (cdk.json) whose stack runs it')
    .option('--workflow <name>', 'with --migration: look only in this workflow (migrate, cutover, rollback, finish, drift)')
    .option('--cdk-json <file>', 'the cdk.json that defines --env (default: the repository\'s)')
    .option(
      '--json',
      'one JSON object per line on stdout as it happens: {"event": "found" (with --migration) | "watching" | "stepStarted" | "stepFinished" | "stepFailed" | "finished" | "stopped", ...}; "finished" is last and has "exitCode"',
    )
    .action(async (executionArn: string | undefined, options: Omit<WatchCommandOptions, 'executionArn'>) => ctx.exit(await run({ ...options, executionArn }, ctx.io)));
}
