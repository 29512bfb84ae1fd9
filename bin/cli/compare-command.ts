import { Command, Option } from 'commander';
import { compareDatabases, isDifferent } from '../../lambdas/shared/compare/compare-databases';
import { openDatabase } from './databases';
import { positiveInt, tableSelection } from './options';
import { progressReporter } from './progress';
import { renderComparison } from './render-compare';

interface CompareOptions {
  source: string;
  target: string;
  tables?: string[];
  exclude?: string[];
  schemaOnly?: boolean;
  dataOnly?: boolean;
  maxKeys: number;
  strictNumeric?: boolean;
  settleMs: number;
  concurrency: number;
  json?: boolean;
  progress: boolean;
}

export function compareCommand(): Command {
  return new Command('compare')
    .description('compare the schema and data of two PostgreSQL databases (exit 0 equal, 1 different, 2 error)')
    .requiredOption('--source <postgres-url>', 'the database moved from')
    .requiredOption('--target <postgres-url>', 'the database moved to')
    .option('--tables <pattern...>', "tables to compare, 'schema.table' with * and ? (default: every user table)")
    .option('--exclude <pattern...>', 'tables to leave out')
    .addOption(new Option('--schema-only', 'compare only the schema').conflicts('dataOnly'))
    .addOption(new Option('--data-only', 'compare only the rows').conflicts('schemaOnly'))
    .option('--max-keys <n>', 'keys listed per table and kind (totals stay exact)', positiveInt('--max-keys'), 100)
    .option('--strict-numeric', 'numeric scale matters: 1.0 differs from 1.00')
    .option('--settle-ms <ms>', 're-check differences after this delay, for databases under replication', positiveInt('--settle-ms'), 0)
    .option('--concurrency <n>', 'tables compared at once (connections per database)', positiveInt('--concurrency'), 2)
    .option('--json', 'print one JSON document')
    .option('--no-progress', 'no progress on stderr')
    .action(async (options: CompareOptions) => {
      const sel = tableSelection(options.tables, options.exclude);
      const concurrency = Math.max(1, options.concurrency);
      const source = openDatabase('--source', 'source', options.source, concurrency + 1);
      const target = openDatabase('--target', 'target', options.target, concurrency + 1);
      const progress = progressReporter(process.stderr, options.progress && !options.json);
      try {
        const report = await compareDatabases(source, target, {
          schema: !options.dataOnly,
          data: !options.schemaOnly,
          ...(sel ? { selection: sel } : {}),
          maxKeys: options.maxKeys,
          strictNumericScale: options.strictNumeric === true,
          settleMs: options.settleMs,
          concurrency,
          onProgress: (p) => progress.update(p),
        });
        progress.done();
        const different = isDifferent(report);
        process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : renderComparison(report, different));
        process.exitCode = different ? 1 : 0;
      } finally {
        progress.done();
        await Promise.all([source.close(), target.close()]);
      }
    });
}
