import { z } from 'zod';
import { compileSelection } from '../shared/compare/table-patterns';
import { parseInput } from '../shared/input';
import type { Database } from '../shared/pg/connection';
import type { TableName } from '../shared/pg/identifiers';
import { withDatabases, type StepRuntime } from '../shared/runtime';
import { TableNotSelectedError, TableNotFoundError } from './errors';
import { runCompare, type CompareStepSummary } from './run-compare';

/** One table by its catalog names, as list-tables returns it: any characters, no patterns. */
const ExactTableSchema = z.strictObject({
  schema: z.string().min(1, 'is required').max(63, 'a PostgreSQL identifier is at most 63 bytes'),
  name: z.string().min(1, 'is required').max(63, 'a PostgreSQL identifier is at most 63 bytes'),
});

/**
 * `{"migrationId": "orders", "runId": "..."}`; settleMs and maxKeys are optional. Which tables:
 * the migration's selection, or `tables` (`schema.table` patterns), or `table` (one table by its
 * exact names: what the migrate workflow's Map sends for each table list-tables found).
 */
export const CompareInputSchema = z
  .strictObject({
    migrationId: z.string().min(1, 'is required'),
    runId: z.string().min(1, 'is required').max(200),
    tables: z.array(z.string().regex(/^[^.\s]+\.[^.\s]+$/, "must be 'schema.table' (wildcards * and ? allowed)")).min(1).optional(),
    table: ExactTableSchema.optional(),
    settleMs: z.number().int().min(0).max(600_000).default(0),
    maxKeys: z.number().int().min(0).max(1000).default(100),
  })
  .superRefine((input, ctx) => {
    if (input.tables !== undefined && input.table !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['table'], message: 'give either tables (patterns) or table (one exact table), not both' });
    }
  });

/** The compare step: compares until done or until `deadline` (epoch ms), resuming from checkpoints. */
export async function compareStep(event: unknown, runtime: StepRuntime, deadline: number): Promise<CompareStepSummary> {
  const input = parseInput(CompareInputSchema, event);
  const migration = runtime.migration(input.migrationId);
  const exact = input.table;
  if (exact !== undefined && !compileSelection(migration.tables)(exact)) {
    throw new TableNotSelectedError(input.migrationId, exact, migration.tables);
  }
  return withDatabases(runtime, migration, async ({ source, target }) => {
    // Without this, a table gone from both sides would compare as zero rows: "equal".
    if (exact !== undefined && !(await existsOn(source, exact)) && !(await existsOn(target, exact))) {
      throw new TableNotFoundError(input.migrationId, exact);
    }
    return runCompare(input, migration, { source, target, store: runtime.store, metrics: runtime.metrics, now: runtime.now, deadline });
  });
}

/** The same tables the compare engine's catalog reads: ordinary and partitioned, partitions through their parent. */
async function existsOn(db: Database, table: TableName): Promise<boolean> {
  const rows = await db.query(
    `select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relname = $2 and c.relkind in ('r', 'p') and not c.relispartition`,
    [table.schema, table.name],
  );
  return rows.length > 0;
}
