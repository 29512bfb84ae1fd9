import { Command } from 'commander';
import { REPORT_KINDS } from '../../lambdas/shared/catalog/reports';
import { command, type CommandContext } from './command';
import { DEFAULT_CDK_JSON } from './config-command';
import type { ReportOptions } from './deployed/report';

export type { ReportOptions };

/** `ferry report <kind> --env <e>`: the latest stored report of a kind (bin/cli/deployed/report.ts, loaded when it runs). */
export const run = command(async (options: ReportOptions, io) => (await import('./deployed/report')).runReport(options, io));

export function reportCommand(ctx: CommandContext): Command {
  return new Command('report')
    .description('show the latest stored report of a migration in a deployed environment (exit 0, 1 it records a problem: failed preflight, differences, drift, a failed guardrail, a failure; 2 none stored or could not read)')
    .argument('<kind>', `the report kind: ${Object.keys(REPORT_KINDS).join(', ')}`)
    .requiredOption('--env <name>', 'the environment in cdk.json (its account and region; the credentials come from the standard AWS chain)')
    .option('--migration <id>', "the migration (default: the environment's only one)")
    .option('--cdk-json <file>', 'the cdk.json to read', DEFAULT_CDK_JSON)
    .option('--json', 'print the stored report as one JSON document: {migrationId, kind, createdAt, ttl, compressed, report}')
    .action(async (kind: string, options: Omit<ReportOptions, 'kind'>) => ctx.exit(await run({ ...options, kind }, ctx.io)));
}
