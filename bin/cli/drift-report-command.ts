import { Command } from 'commander';
import { CheckpointStore, createDocumentClient } from '../../lambdas/shared/checkpoints';
import { DRIFT_KIND } from '../../lambdas/shared/drift/reports';
import { awsClientConfig } from './aws';
import { command, EXIT, type CommandContext } from './command';
import { driftJson, renderDrift } from './render-drift';
import { UsageError } from './usage-error';

export interface DriftReportOptions {
  migration: string;
  table: string;
  region?: string;
  endpoint?: string;
  json?: boolean;
}

/**
 * `ferry drift-report`: the latest drift check a deployed stack stored (`REPORT#drift#...` in its
 * checkpoint table), rendered like `ferry drift`; exit 0 no drift, 1 drift. Uses the default AWS
 * credentials; `--endpoint` reads a local table.
 */
export const run = command(async (options: DriftReportOptions, io) => {
  const client = createDocumentClient({
    ...awsClientConfig(io.env),
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
  });
  const store = new CheckpointStore({ client, tableName: options.table });
  const stored = await store.latestReport(options.migration, DRIFT_KIND);
  if (stored === undefined) {
    throw new UsageError(`no drift check stored for migration "${options.migration}" in table ${options.table}: the schedule has not run yet, or the id is wrong`);
  }
  const report = stored.report;
  if (options.json) io.out(`${JSON.stringify(driftJson(report))}\n`);
  else {
    io.out(`Drift check of ${report.checkedAt} (phase ${report.phase}${report.changed ? ', changed since the check before' : ''}):\n`);
    io.out(renderDrift(report, report.mode === 'snapshot-target' ? 'snapshot' : 'source'));
  }
  return report.differences.length > 0 ? EXIT.finding : EXIT.ok;
});

export function driftReportCommand(ctx: CommandContext): Command {
  return new Command('drift-report')
    .description('show the latest stored drift check of a migration from the checkpoint table (exit 0 no drift, 1 drift, 2 none stored or could not read)')
    .requiredOption('--migration <id>', 'the migration id')
    .requiredOption('--table <name>', "the checkpoint table (stack output 'CheckpointTableName')")
    .option('--region <region>', 'AWS region of the table (default: from the environment)')
    .option('--endpoint <url>', 'a DynamoDB endpoint other than AWS (dynalite, for the local stack)')
    .option('--json', 'print one JSON document: {"differences": [{kind, object, source, target, severity}]}')
    .action(async (options: DriftReportOptions) => ctx.exit(await run(options, ctx.io)));
}
