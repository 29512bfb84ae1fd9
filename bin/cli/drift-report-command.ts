import { Command } from 'commander';
import { command, type CommandContext } from './command';
import type { DriftReportOptions } from './deployed/report';

export type { DriftReportOptions };

/**
 * `ferry drift-report`: the alias of `ferry report drift` kept from before it, reading a checkpoint
 * table it is given (`--table`, `--endpoint` for a local one) instead of an environment's stack;
 * exit 0 no drift, 1 drift, 2 none stored or could not read. Uses the default AWS credentials.
 */
export const run = command(async (options: DriftReportOptions, io) => (await import('./deployed/report')).runDriftReport(options, io));

export function driftReportCommand(ctx: CommandContext): Command {
  return new Command('drift-report')
    .description('alias of `ferry report drift` for a table named directly: the latest stored drift check of a migration (exit 0 no drift, 1 drift, 2 none stored or could not read)')
    .requiredOption('--migration <id>', 'the migration id')
    .requiredOption('--table <name>', "the checkpoint table (stack output 'CheckpointTableName')")
    .option('--region <region>', 'AWS region of the table (default: from the environment)')
    .option('--endpoint <url>', 'a DynamoDB endpoint other than AWS (dynalite, for the local stack)')
    .option('--json', 'print one JSON document: {"differences": [{kind, object, source, target, severity}]}')
    .action(async (options: DriftReportOptions) => ctx.exit(await run(options, ctx.io)));
}
