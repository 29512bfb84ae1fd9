import { Command, Option } from 'commander';
import { command, EXIT, type CommandContext } from './command';
import { errStream } from './io';
import { positiveInt, tableSelection } from './options';
import { progressReporter } from './progress';
import { renderComparison } from './render-compare';

export const COMPARE_DEFAULTS = { maxKeys: 100, settleMs: 0, concurrency: 2, progress: true } as const;

export interface CompareOptions {
  source: string;
  target: string;
  tables?: string[];
  exclude?: string[];
  schemaOnly?: boolean;
  dataOnly?: boolean;
  /** @default 100 */
  maxKeys?: number;
  strictNumeric?: boolean;
  /** @default 0 */
  settleMs?: number;
  /** @default 2 */
  concurrency?: number;
  json?: boolean;
  /** Progress on stderr (`--no-progress`: false). @default true */
  progress?: boolean;
}

/** `ferry compare`: exit 0 equal, 1 different. */
export const run = command(async (options: CompareOptions, io) => {
  const o = { ...COMPARE_DEFAULTS, ...options };
  const sel = tableSelection(o.tables, o.exclude);
  const concurrency = Math.max(1, o.concurrency);
  const progress = progressReporter(errStream(io), o.progress && !o.json, () => io.now());
  // Loaded when the command runs, not by every `ferry` start (docs/architecture.md, The CLI).
  const [{ compareDatabases, isDifferent }, { withDatabasePair }] = await Promise.all([
    import('../../lambdas/shared/compare/compare-databases'),
    import('./databases'),
  ]);
  return withDatabasePair(o, concurrency + 1, async (source, target) => {
    try {
      const report = await compareDatabases(source, target, {
        schema: !o.dataOnly,
        data: !o.schemaOnly,
        ...(sel ? { selection: sel } : {}),
        maxKeys: o.maxKeys,
        strictNumericScale: o.strictNumeric === true,
        settleMs: o.settleMs,
        concurrency,
        onProgress: (p) => progress.update(p),
      });
      progress.done();
      const different = isDifferent(report);
      io.out(o.json ? `${JSON.stringify(report, null, 2)}\n` : renderComparison(report, different));
      return different ? EXIT.finding : EXIT.ok;
    } finally {
      progress.done();
    }
  });
});

export function compareCommand(ctx: CommandContext): Command {
  return new Command('compare')
    .description('compare the schema and data of two PostgreSQL databases (exit 0 equal, 1 different, 2 error)')
    .requiredOption('--source <postgres-url>', 'the database moved from')
    .requiredOption('--target <postgres-url>', 'the database moved to')
    .option('--tables <pattern...>', "tables to compare, 'schema.table' with * and ? (default: every user table)")
    .option('--exclude <pattern...>', 'tables to leave out')
    .addOption(new Option('--schema-only', 'compare only the schema').conflicts('dataOnly'))
    .addOption(new Option('--data-only', 'compare only the rows').conflicts('schemaOnly'))
    .option('--max-keys <n>', 'keys listed per table and kind (totals stay exact)', positiveInt('--max-keys'), COMPARE_DEFAULTS.maxKeys)
    .option('--strict-numeric', 'numeric scale matters: 1.0 differs from 1.00')
    .option('--settle-ms <ms>', 're-check differences after this delay, for databases under replication', positiveInt('--settle-ms'), COMPARE_DEFAULTS.settleMs)
    .option('--concurrency <n>', 'tables compared at once (connections per database)', positiveInt('--concurrency'), COMPARE_DEFAULTS.concurrency)
    .option('--json', 'print one JSON document')
    .option('--no-progress', 'no progress on stderr')
    .action(async (options: CompareOptions) => ctx.exit(await run(options, ctx.io)));
}
