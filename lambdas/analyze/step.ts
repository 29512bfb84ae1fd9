import { z } from 'zod';
import { selectedTables } from '../shared/cutover/tables';
import { migrationId } from '../shared/workflow-schemas';
import { parseInput } from '../shared/input';
import { logger } from '../shared/observability';
import { displayName, qualifiedName } from '../shared/pg/identifiers';
import { withDatabases, type StepRuntime } from '../shared/runtime';

/** `{"migrationId", "when"}`: `after-full-load` (migrate) or `before-freeze` (cutover), for the output and the logs. */
export const AnalyzeInputSchema = z.strictObject({
  migrationId,
  when: z.enum(['after-full-load', 'before-freeze']),
});

export interface AnalyzeOutput {
  readonly when: 'after-full-load' | 'before-freeze';
  readonly analyzed: number;
  readonly ms: number;
  /** Tables left for autovacuum's ANALYZE: the time ran out, or ANALYZE failed on them (with why). */
  readonly skipped: readonly string[];
}

/**
 * The Lambda function has 15 minutes; what does not fit is left to autovacuum, never a failed
 * step. Before a freeze it gets less: the cutover workflow has an hour in all. Both follow from
 * those limits, not an operator's choice, so they are not in the config.
 */
const BUDGET_MS = { 'after-full-load': 12 * 60_000, 'before-freeze': 5 * 60_000 } as const;

/**
 * A table locked by something else (an anti-wraparound autovacuum, a DDL) is skipped, not waited
 * for: ANALYZE is best effort, so a short fixed bound, not an operator setting.
 */
const LOCK_TIMEOUT_MS = 5_000;

/**
 * Runs ANALYZE on the selected tables of the target, so that its planner has statistics when the
 * clients arrive: a copied table has none until autovacuum gets to it, and the plans chosen
 * without them (sequential scans, bad join orders) can trip the latency alarm and roll back for a
 * reason that has nothing to do with the data. ANALYZE reads a sample (300 x
 * default_statistics_target rows per table), so its cost grows with the number of tables, not
 * their size; it takes a lock that does not block reads or writes.
 */
export async function analyzeStep(event: unknown, runtime: StepRuntime, budget?: number): Promise<AnalyzeOutput> {
  const input = parseInput(AnalyzeInputSchema, event);
  const budgetMs = budget ?? BUDGET_MS[input.when];
  const migration = runtime.migration(input.migrationId);
  const started = Date.now();
  return withDatabases(
    runtime,
    migration,
    async ({ target }) => {
      const tables = await selectedTables(target, migration);
      // ANALYZE skips, with only a warning, a table its caller may not maintain: those are named instead of counted.
      const allowed = new Set(
        (
          await target.query<{ schema: string; name: string }>(
            `select n.nspname as schema, c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
              where (n.nspname, c.relname) in (select * from unnest($1::text[], $2::text[]))
                and (pg_has_role(c.relowner, 'USAGE') or (select rolsuper from pg_roles where rolname = current_user)
                     or (current_setting('server_version_num')::int >= 170000 and has_table_privilege(c.oid, 'MAINTAIN')))`,
            [tables.map((t) => t.schema), tables.map((t) => t.name)],
          )
        ).map((r) => `${r.schema}\u0000${r.name}`),
      );
      const skipped: string[] = [];
      let analyzed = 0;
      for (const table of tables) {
        const left = budgetMs - (Date.now() - started);
        if (!allowed.has(`${table.schema}\u0000${table.name}`)) {
          skipped.push(`${displayName(table)} (Ferry's role may not ANALYZE it: it needs to own the table or, on PostgreSQL 17, the MAINTAIN privilege)`);
          continue;
        }
        if (left <= 0) {
          skipped.push(`${displayName(table)} (out of time)`);
          continue;
        }
        try {
          await target.withClient(async (client) => {
            await client.query(`select set_config('statement_timeout', $1, false), set_config('lock_timeout', $2, false)`, [
              String(Math.max(1000, Math.floor(left))),
              String(LOCK_TIMEOUT_MS),
            ]);
            try {
              await client.query(`analyze ${qualifiedName(table)}`);
            } finally {
              await client.query('reset statement_timeout; reset lock_timeout');
            }
          });
          analyzed += 1;
        } catch (error) {
          skipped.push(`${displayName(table)} (${(error as Error).message})`);
        }
      }
      if (skipped.length > 0) logger.warn('ANALYZE left tables to autovacuum', { migrationId: migration.id, when: input.when, skipped });
      return { when: input.when, analyzed, ms: Date.now() - started, skipped };
    },
    { max: 1 },
  );
}
