import { Command } from 'commander';
import { command, type CommandContext } from './command';
import { DEFAULT_CDK_JSON } from './config-command';
import type { StatusOptions } from './deployed/status';

export type { StatusOptions };

/**
 * `ferry status --env <e>`: each migration's phase and history, the lock, running executions with
 * their console URLs, the latest reports, replication lag and verification position, read from
 * the deployed stack (bin/cli/deployed/status.ts, loaded when it runs).
 */
export const run = command(async (options: StatusOptions, io) => (await import('./deployed/status')).runStatus(options, io));

export function statusCommand(ctx: CommandContext): Command {
  return new Command('status')
    .description("show a deployed environment's migrations: phase and history, lock, running executions, latest reports, replication lag and verification position (exit 0, 2 could not read)")
    .requiredOption('--env <name>', 'the environment in cdk.json (its account and region; the credentials come from the standard AWS chain)')
    .option('--migration <id>', 'only this migration (default: every migration of the environment)')
    .option('--cdk-json <file>', 'the cdk.json to read', DEFAULT_CDK_JSON)
    .option('--json', 'print one JSON document: {environment, migrations: [{migrationId, state, lock, runningExecutions, reports, replicationLag, verification}]}')
    .action(async (options: StatusOptions) => ctx.exit(await run(options, ctx.io)));
}
