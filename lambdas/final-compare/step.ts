import { z } from 'zod';
import { COMPARISON_SUMMARY_KIND, type ComparisonSummaryReport } from '../comparison-verdict/verdict';
import { ComparisonFailedError } from '../comparison-verdict/errors';
import { compareData } from '../shared/compare/data/compare';
import { checkpointLedger } from '../shared/compare/data/ledger';
import { assertBeforeDeadline } from '../shared/cutover/deadline';
import { selectedTables } from '../shared/cutover/tables';
import { deadline, migrationId, runId } from '../shared/cutover/inputs';
import { flushDelayMs, readWriteCounters, touchedTables, WRITE_COUNTERS_STEP } from '../shared/cutover/write-counters';
import { FreezeExpiredError } from '../shared/freeze/errors';
import { parseInput } from '../shared/input';
import { displayName } from '../shared/pg/identifiers';
import { withDatabases, type StepRuntime } from '../shared/runtime';

/** `{"migrationId", "runId", "deadline", "full": false}` */
export const FinalCompareInputSchema = z.strictObject({
  migrationId,
  runId,
  deadline,
  /** Compare every table instead of those written since the last full comparison. @default false */
  full: z.boolean().default(false),
});

export interface FinalCompareOutput {
  readonly mode: 'touched' | 'full';
  readonly tablesCompared: number;
  readonly tables: readonly string[];
  readonly rowsCompared: number;
  readonly durationMs: number;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The last comparison before the switch, with writes frozen and drained, so it is exact (no
 * re-checks). Fast by default: only the tables whose write counters on the source moved since the
 * last full comparison started (the migrate run stored them); a table whose counters cannot be
 * compared counts as written. `full` compares every table. Stops at the freeze's deadline.
 */
export async function finalCompareStep(event: unknown, runtime: StepRuntime): Promise<FinalCompareOutput> {
  const input = parseInput(FinalCompareInputSchema, event);
  const migration = runtime.migration(input.migrationId);
  assertBeforeDeadline(input.deadline, runtime.now(), 'the final comparison');
  const started = runtime.now();
  return withDatabases(runtime, migration, async ({ source, target }) => {
    const all = await selectedTables(source, migration);
    let tables = all;
    if (!input.full) {
      // Backends report their counters up to about a second after their last write: wait that long after the freeze.
      const freeze = await runtime.store.getFreeze(input.migrationId, 'source');
      const [{ now }] = (await source.query<{ now: Date }>('select now() as now')) as [{ now: Date }];
      const wait = (freeze?.frozenAt ?? 0) + flushDelayMs - now.getTime();
      if (wait > 0) await sleepFor(Math.min(wait, flushDelayMs));
      const baseline = await baselineCounters(runtime, input.migrationId);
      const touched = new Set(touchedTables(baseline, await readWriteCounters(source, all)));
      tables = all.filter((t) => touched.has(displayName(t)));
    }
    const result =
      tables.length === 0
        ? { complete: true, tables: [], pending: [] }
        : await compareData(source, target, {
            selection: { ...migration.tables, only: tables },
            settleMs: 0,
            recheckRounds: 0,
            deadline: input.deadline,
            ledger: checkpointLedger(runtime.store, `${input.runId}:final`),
            now: () => runtime.now(),
          });
    if (!result.complete) {
      throw new FreezeExpiredError(
        `The final comparison did not finish before the write freeze's maximum duration (${result.pending.length} tables left: ` +
          `${result.pending.slice(0, 5).join(', ')}). The workflow thaws the source; raise thresholds.maxWriteFreezeSeconds, or run the migrate workflow ` +
          `again shortly before the cutover so that fewer tables are written since the last comparison.`,
      );
    }
    const different = result.tables.filter((t) => t.status === 'different');
    if (different.length > 0) {
      throw new ComparisonFailedError(
        input.migrationId,
        input.runId,
        different.map((t) => `${t.table}: ${t.missingTotal} missing, ${t.extraTotal} extra, ${t.changedTotal} changed on the target with writes frozen and drained`),
        { different: different.length, unfinished: 0, reportKey: undefined },
      );
    }
    return {
      mode: input.full ? 'full' : 'touched',
      tablesCompared: result.tables.length,
      tables: result.tables.slice(0, 100).map((t) => t.table),
      rowsCompared: result.tables.reduce((sum, t) => sum + t.rows, 0),
      durationMs: runtime.now() - started,
    };
  });
}

/** The counters the last passed comparison's run stored when it listed its tables; none means every table counts as written. */
async function baselineCounters(runtime: StepRuntime, migrationId: string): Promise<Record<string, string>> {
  const summary = await runtime.store.latestReport<ComparisonSummaryReport>(migrationId, COMPARISON_SUMMARY_KIND);
  if (!summary?.report.equal) return {};
  const step = await runtime.store.getStep(summary.report.runId, WRITE_COUNTERS_STEP);
  return step?.status === 'done' ? ((step.output as Record<string, string> | undefined) ?? {}) : {};
}
