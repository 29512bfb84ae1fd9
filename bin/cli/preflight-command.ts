import { Command, Option } from 'commander';
import type { PreflightReport } from '../../lambdas/shared/preflight/run-preflight';
import { CONFIG_DEFAULTS, MigrationSchema } from '../../lambdas/shared/migration-config';
import { assertReplicationName } from '../../lambdas/shared/replication/native/names';
import { command, EXIT, type CommandContext } from './command';
import { positiveInt, tableSelection } from './options';
import { renderPreflight } from './render-preflight';
import { UsageError } from './usage-error';

export interface PreflightOptions {
  source: string;
  target: string;
  /** @default 'native' */
  engine?: 'native' | 'dms';
  tables?: string[];
  exclude?: string[];
  /** @default CONFIG_DEFAULTS.lobMaxSizeKb */
  lobMaxSizeKb?: number;
  /** @default CLI_MIGRATION_ID */
  migrationId?: string;
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

/** `ferry preflight`: exit 0 ready, 1 an error found, 2 a database could not be reached. */
export const run = command(async (options: PreflightOptions, io) => {
  // Loaded when the command runs, not by every `ferry` start (docs/architecture.md, The CLI).
  const [{ CHECK_IDS }, { ferrySlotNames }, { runPreflight }, { ALL_USER_TABLES }, { withDatabasePair }] = await Promise.all([
    import('../../lambdas/shared/preflight/checks'),
    import('../../lambdas/shared/preflight/ferry-slots'),
    import('../../lambdas/shared/preflight/run-preflight'),
    import('../../lambdas/shared/compare/table-patterns'),
    import('./databases'),
  ]);
  const o = { engine: 'native' as const, lobMaxSizeKb: CONFIG_DEFAULTS.lobMaxSizeKb, migrationId: CLI_MIGRATION_ID, ...options };
  const unknown = (o.waive ?? []).filter((id) => !CHECK_IDS.includes(id));
  if (unknown.length > 0) throw new UsageError(`--waive: no check named ${unknown.map((u) => `'${u}'`).join(', ')} (checks: ${CHECK_IDS.join(', ')})`);
  return withDatabasePair(o, undefined, async (source, target) => {
    const report = await runPreflight(
      {
        source,
        target,
        engine: o.engine,
        selection: tableSelection(o.tables, o.exclude) ?? ALL_USER_TABLES,
        lobMaxSizeKb: o.lobMaxSizeKb,
        ferrySlots: ferrySlotNames(o.migrationId, o.engine, o.replicationName),
      },
      { waive: o.waive ?? [] },
    );
    io.out(o.json ? `${JSON.stringify(preflightJson(report), null, 2)}\n` : renderPreflight(report));
    // Unreachable databases mean the checks could not run at all: exit 2, after printing why.
    const unreachable = report.checks.some((c) => c.id === 'connectivity' && c.severity === 'error');
    return unreachable ? EXIT.error : report.passed ? EXIT.ok : EXIT.finding;
  });
});

export function preflightCommand(ctx: CommandContext): Command {
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
    // The check ids are not listed here: that would load every check (and pg) for every `ferry` start.
    .option('--waive <check...>', "errors of these checks do not fail the run (ids as the report names them, such as replica-identity; an unknown id is refused with the list)")
    .option('--json', 'print one JSON document')
    .action(async (options: PreflightOptions) => ctx.exit(await run(options, ctx.io)));
}
