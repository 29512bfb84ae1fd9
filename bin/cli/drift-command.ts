import { Command, Option } from 'commander';
import type { DriftOptions, DriftSides } from '../../lambdas/shared/drift/types';
import { CONFIG_DEFAULTS } from '../../lambdas/shared/migration-config';
import { command, EXIT, type CommandContext } from './command';
import { positiveInt, tableSelection } from './options';
import { UsageError } from './usage-error';

export interface DriftCommandOptions {
  source?: string;
  snapshot?: string;
  target: string;
  /** @default DRIFT_DEFAULTS.data */
  data?: 'none' | 'sample' | 'full';
  tables?: string[];
  exclude?: string[];
  /** @default DRIFT_DEFAULTS.settleMs */
  settleMs?: number;
  json?: boolean;
}

/** `ferry drift`: exit 0 no drift, 1 drift. */
export const run = command(async (options: DriftCommandOptions, io) => {
  // Loaded when the command runs, not by every `ferry` start (docs/architecture.md, The CLI).
  const [{ compileSelection }, { DRIFT_DEFAULTS, detectDrift }, { openDatabase }, { driftJson, renderDrift }, { readSnapshotFile }] = await Promise.all([
    import('../../lambdas/shared/compare/table-patterns'),
    import('../../lambdas/shared/drift/detect'),
    import('./databases'),
    import('./render-drift'),
    import('./snapshot-file'),
  ]);
  const o = { data: DRIFT_DEFAULTS.data, settleMs: DRIFT_DEFAULTS.settleMs, ...options };
  if ((o.source === undefined) === (o.snapshot === undefined)) {
    throw new UsageError(
      'drift: give exactly one of --source <postgres-url> (the live source database) or --snapshot <file> (a schema snapshot taken with ferry snapshot)',
    );
  }
  if (o.snapshot !== undefined && o.data !== 'none') {
    throw new UsageError(`--data ${o.data}: needs --source; a schema snapshot holds no rows (use --data none with --snapshot)`);
  }
  // The file is checked before any connection is made: a wrong file is the cheaper mistake to report.
  const snapshot = o.snapshot === undefined ? undefined : readSnapshotFile(o.snapshot);
  const selection = tableSelection(o.tables, o.exclude);
  if (selection) compileSelection(selection);
  const driftOptions: DriftOptions = { data: o.data, settleMs: o.settleMs, ...(selection ? { selection } : {}) };

  const target = () => openDatabase('--target', 'target', o.target);
  // The exactly-one check above makes --source given whenever there is no snapshot.
  const sides: DriftSides =
    snapshot !== undefined ? { snapshot, target: target() } : { source: openDatabase('--source', 'source', o.source ?? ''), target: target() };
  try {
    const result = await detectDrift(sides, driftOptions);
    io.out(o.json ? `${JSON.stringify(driftJson(result), null, 2)}\n` : renderDrift(result, 'source' in sides ? 'source' : 'snapshot'));
    return result.differences.length > 0 ? EXIT.finding : EXIT.ok;
  } finally {
    await Promise.all(['source' in sides ? sides.source.close() : undefined, sides.target.close()]);
  }
});

export function driftCommand(ctx: CommandContext): Command {
  return new Command('drift')
    .description('report what differs between the source (or a schema snapshot of it) and the target (exit 0 no drift, 1 drift, 2 could not run)')
    .option('--source <postgres-url>', 'the database moved from (before cutover)')
    .option('--snapshot <file>', "a schema snapshot written by 'ferry snapshot' (after cutover, when the source may be gone)")
    .requiredOption('--target <postgres-url>', 'the database moved to')
    // The config's default is the drift engine's (DRIFT_DEFAULTS.data), without loading the engine for every `ferry` start.
    .addOption(new Option('--data <how>', 'rows compared besides the schema (with --source only)').choices(['none', 'sample', 'full']).default(CONFIG_DEFAULTS.drift.data))
    .option('--tables <pattern...>', "tables to check, 'schema.table' with * and ? (default: every user table; with --snapshot, the snapshot's own, and given ones only narrow it)")
    .option('--exclude <pattern...>', 'tables to leave out')
    .option('--settle-ms <ms>', 're-check differences in the data after this delay, for databases under replication (default: no re-check)', positiveInt('--settle-ms'))
    .option('--json', 'print one JSON document: {"differences": [{kind, object, source, target, severity}]}')
    .action(async (options: DriftCommandOptions) => ctx.exit(await run(options, ctx.io)));
}
