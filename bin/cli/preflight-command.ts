import { Command, Option } from 'commander';
import { PREFLIGHT_CHECKS } from '../../lambdas/shared/preflight/checks';
import { ferrySlotNames } from '../../lambdas/shared/preflight/ferry-slots';
import { runPreflight, type PreflightReport } from '../../lambdas/shared/preflight/run-preflight';
import { ALL_USER_TABLES } from '../../lambdas/shared/compare/table-patterns';
import { CONFIG_DEFAULTS, MigrationSchema } from '../../lambdas/shared/migration-config';
import { assertReplicationName } from '../../lambdas/shared/replication/native/names';
import { openDatabase } from './databases';
import { positiveInt, tableSelection } from './options';
import { renderPreflight } from './render-preflight';
import { UsageError } from './usage-error';

interface PreflightOptions {
  source: string;
  target: string;
  engine: 'native' | 'dms';
  tables?: string[];
  exclude?: string[];
  lobMaxSizeKb: number;
  migrationId: string;
  replicationName?: string;
  waive?: string[];
  json?: boolean;
}

/** The migration id the CLI assumes: it has no configured migration, so no slot of a real one is taken for its own. */
export const CLI_MIGRATION_ID = 'cli';

const migrationId = (value: string) => {
  const parsed = MigrationSchema.shape.id.safeParse(value);
  if (!parsed.success) throw new UsageError(`--migration-id: ${parsed.error.issues[0]?.message ?? 'not a migration id'}, got '${value}'`);
  return value;
};

const replicationName = (value: string) => {
  try {
    assertReplicationName(value);
  } catch (error) {
    throw new UsageError(`--replication-name: ${(error as Error).message}`);
  }
  return value;
};

/** The document `--json` prints: the checks, each with id, severity, message and objects. */
export function preflightJson(report: PreflightReport): { checks: Array<{ id: string; severity: string; message: string; objects: readonly string[] }> } {
  return { checks: report.checks.map(({ id, severity, message, objects }) => ({ id, severity, message, objects })) };
}

export function preflightCommand(): Command {
  const ids = PREFLIGHT_CHECKS.map((c) => c.id);
  return new Command('preflight')
    .description('check that two PostgreSQL databases are ready for a migration (exit 0 ready, 1 an error found, 2 could not run)')
    .requiredOption('--source <postgres-url>', 'the database moved from')
    .requiredOption('--target <postgres-url>', 'the database moved to')
    .addOption(new Option('--engine <engine>', 'the replication engine that will be used').choices(['native', 'dms']).default('native'))
    .option('--tables <pattern...>', "tables to migrate, 'schema.table' with * and ? (default: every user table)")
    .option('--exclude <pattern...>', 'tables to leave out')
    .option('--lob-max-size-kb <kb>', 'DMS limited LOB mode maximum (the lobMaxSizeKb setting)', positiveInt('--lob-max-size-kb'), CONFIG_DEFAULTS.lobMaxSizeKb)
    .option('--migration-id <id>', "the migration's id: slots Ferry already made for it count as in use, not as needed again", migrationId, CLI_MIGRATION_ID)
    .option('--replication-name <name>', 'native: the replicationName of the migration (default: ferry_<migration id>)', replicationName)
    .option('--waive <check...>', `errors of these checks do not fail the run (${ids.join(', ')})`)
    .option('--json', 'print one JSON document')
    .action(async (options: PreflightOptions) => {
      const unknown = (options.waive ?? []).filter((id) => !ids.includes(id));
      if (unknown.length > 0) throw new UsageError(`--waive: no check named ${unknown.map((u) => `'${u}'`).join(', ')} (checks: ${ids.join(', ')})`);
      const source = openDatabase('--source', 'source', options.source);
      const target = openDatabase('--target', 'target', options.target);
      try {
        const report = await runPreflight(
          {
            source,
            target,
            engine: options.engine,
            selection: tableSelection(options.tables, options.exclude) ?? ALL_USER_TABLES,
            lobMaxSizeKb: options.lobMaxSizeKb,
            ferrySlots: ferrySlotNames(options.migrationId, options.engine, options.replicationName),
          },
          { waive: options.waive ?? [] },
        );
        process.stdout.write(options.json ? `${JSON.stringify(preflightJson(report), null, 2)}\n` : renderPreflight(report));
        // Unreachable databases mean the checks could not run at all: exit 2, after printing why.
        const unreachable = report.checks.some((c) => c.id === 'connectivity' && c.severity === 'error');
        process.exitCode = unreachable ? 2 : report.passed ? 0 : 1;
      } finally {
        await Promise.all([source.close(), target.close()]);
      }
    });
}
