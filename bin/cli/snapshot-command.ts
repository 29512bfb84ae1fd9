import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { command, EXIT, type CommandContext } from './command';
import { tableSelection } from './options';
import { UsageError } from './usage-error';

export interface SnapshotCommandOptions {
  /** The database to snapshot: the command's `<postgres-url>` argument. */
  url: string;
  tables?: string[];
  exclude?: string[];
  output?: string;
}

/** `ferry snapshot`: the schema as JSON on stdout, or in `--output`. */
export const run = command(async (options: SnapshotCommandOptions, io) => {
  // Loaded when the command runs, not by every `ferry` start (docs/architecture.md, The CLI).
  const [{ readDriftSnapshot }, { compileSelection }, { openDatabase }] = await Promise.all([
    import('../../lambdas/shared/drift/schema-drift'),
    import('../../lambdas/shared/compare/table-patterns'),
    import('./databases'),
  ]);
  const selection = tableSelection(options.tables, options.exclude);
  // A bad pattern is reported before any connection is made.
  if (selection) compileSelection(selection);
  // A snapshot stands in for the source side of a later drift check, hence its role's name in errors.
  const db = openDatabase('<postgres-url>', 'source', options.url, 1);
  try {
    // With the surface (functions, policies, grants, owners, partitions), so a later drift check compares all of it.
    const snapshot = await readDriftSnapshot(db, selection ? { selection } : {});
    const json = `${JSON.stringify(snapshot, null, 2)}\n`;
    if (options.output === undefined) {
      io.out(json);
      return EXIT.ok;
    }
    try {
      writeFileSync(options.output, json);
    } catch (error) {
      throw new UsageError(`--output ${options.output}: cannot write (${(error as Error).message})`);
    }
    return EXIT.ok;
  } finally {
    await db.close();
  }
});

export function snapshotCommand(ctx: CommandContext): Command {
  return new Command('snapshot')
    .description("print the schema of a database as JSON, for 'ferry drift --snapshot <file>' later (exit 0 ok, 2 could not run)")
    .argument('<postgres-url>', 'the database to snapshot (usually the source, just before cutover)')
    .option('--tables <pattern...>', "tables to include, 'schema.table' with * and ? (default: every user table)")
    .option('--exclude <pattern...>', 'tables to leave out')
    // `npm run` prints its own banner on stdout, so `npm run ferry -- snapshot ... > file` is not pure JSON.
    .option('--output <file>', 'write the snapshot to this file instead of stdout')
    .action(async (url: string, options: Omit<SnapshotCommandOptions, 'url'>) => ctx.exit(await run({ ...options, url }, ctx.io)));
}
