import { Command } from 'commander';
import type { WorkflowName } from './deployed/environment';
import type { StartOptions } from './deployed/start';
import { command, type CommandContext } from './command';
import { DEFAULT_CDK_JSON } from './config-command';

export type { StartOptions };

/** The workflows `ferry start` starts, with what each does; the type keeps the list equal to the input schemas' (lambdas/shared/workflow-inputs.ts). */
const WORKFLOWS: { readonly [W in WorkflowName]: string } = {
  migrate: 'preflight, full load, replication and comparison, until the migration is ready for cutover',
  cutover: 'freeze writes, final check, switch the clients to the target, start the way back',
  rollback: 'drain the reverse replication and switch the clients back to the source',
  finish: 'end the migration: stop replication and remove what Ferry created',
  drift: 'check the schema and data for drift (or store the schema snapshot)',
};

/** `ferry start <workflow>` (bin/cli/deployed/start.ts, loaded when it runs). */
export const run = command(async (options: StartOptions, io) => (await import('./deployed/start')).runStart(options, io));

interface ParsedStartOptions {
  migration: string;
  env: string;
  cdkJson?: string;
  watch?: boolean;
  json?: boolean;
  [field: string]: unknown;
}

/**
 * One subcommand per workflow. Their input flags come from the workflow's input schema, which
 * loads the preflight checks (and pg with them): they are added only when that subcommand runs
 * (a preSubcommand hook), so that `ferry --help` loads none of it; `ferry start <workflow> --help`
 * lists them.
 */
export function startCommand(ctx: CommandContext): Command {
  const start = new Command('start').description('start a workflow of a deployed environment, its input checked first; --watch follows it (exit 0 started, 2 bad input or could not start; with --watch the execution\'s status)');
  for (const [workflow, what] of Object.entries(WORKFLOWS) as Array<[WorkflowName, string]>) {
    start.addCommand(
      new Command(workflow)
        .description(`start the ${workflow} workflow: ${what}`)
        .exitOverride()
        .showHelpAfterError()
        .configureOutput({ writeOut: (text) => ctx.io.out(text), writeErr: (text) => ctx.io.err(text) })
        .requiredOption('--migration <id>', 'the migration (its migrationId)')
        .requiredOption('--env <name>', 'the environment in cdk.json (its account and region; the credentials come from the standard AWS chain)')
        .option('--cdk-json <file>', 'the cdk.json to read', DEFAULT_CDK_JSON)
        .option('--watch', "follow the execution until it ends and exit with its status (0 succeeded, 1 failed, timed out or aborted)")
        .option('--json', 'print one JSON document {workflow, migrationId, executionArn, startedAt, consoleUrl, input}; with --watch, the watch\'s JSON lines')
        .action(async (parsed: ParsedStartOptions) => {
          const { migration, env, cdkJson, watch, json, ...input } = parsed;
          ctx.exit(await run({ workflow, migration, env, ...(cdkJson === undefined ? {} : { cdkJson }), ...(watch ? { watch } : {}), ...(json ? { json } : {}), input }, ctx.io));
        }),
    );
  }
  start.hook('preSubcommand', async (_start, sub) => {
    const { addInputOptions } = await import('./deployed/start-options');
    addInputOptions(sub, sub.name() as WorkflowName);
  });
  return start;
}
