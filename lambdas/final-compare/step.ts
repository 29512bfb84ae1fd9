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
import { displayName, type TableName } from '../shared/pg/identifiers';
import type { DataComparison } from '../shared/compare/data/types';
import type { Database } from '../shared/pg/connection';
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
    const compare = (tables: readonly TableName[]): Promise<DataComparison> =>
      tables.length === 0
        ? Promise.resolve<DataComparison>({ complete: true, tables: [], pending: [] })
        : compareData(source, target, {
            selection: { ...migration.tables, only: [...tables] },
            settleMs: 0,
            recheckRounds: 0,
            deadline: input.deadline,
            ledger: checkpointLedger(runtime.store, `${input.runId}:final`),
            now: () => runtime.now(),
          });
    let result: DataComparison;
    if (input.full) result = await compare(all);
    else {
      // Tables whose counters moved already are compared at once; meanwhile the step waits until
      // every backend has flushed its counters (about a second after the freeze), reads them again
      // and then compares the tables that only showed up late. The wait costs no extra downtime.
      const baseline = await baselineCounters(runtime, input.migrationId);
      const touchedNow = async () => new Set(touchedTables(baseline, await readWriteCounters(source, all)));
      const early = await touchedNow();
      const first = compare(all.filter((t) => early.has(displayName(t))));
      // Handled when awaited below; without this an early rejection would be reported as unhandled.
      first.catch(() => undefined);
      const wait = await flushWaitMs(runtime, input.migrationId, source);
      if (wait > 0) await sleepFor(wait);
      const late = [...(await touchedNow())].filter((name) => !early.has(name));
      const firstResult = await first;
      const lateResult = await compare(all.filter((t) => late.includes(displayName(t))));
      result = {
        ...firstResult,
        complete: firstResult.complete && lateResult.complete,
        tables: [...firstResult.tables, ...lateResult.tables],
        pending: [...firstResult.pending, ...lateResult.pending],
      };
    }
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

/** A backend that exits flushes its counters first; this much margin covers the moment between. */
const EXIT_FLUSH_MARGIN_MS = 50;

/**
 * How long until every write before the freeze shows in the counters: the freeze ended the frozen
 * roles' sessions (and PostgreSQL 15+ flushes a backend's counters as it exits), or else a
 * backend's flush interval after the freeze.
 */
async function flushWaitMs(runtime: StepRuntime, migrationId: string, source: Database): Promise<number> {
  const freeze = await runtime.store.getFreeze(migrationId, 'source');
  const [row] = await source.query<{ now: Date; version: number }>(`select clock_timestamp() as now, current_setting('server_version_num')::int as version`);
  const flushedBy =
    freeze?.sessionsEndedAt !== undefined && row!.version >= 150000 ? freeze.sessionsEndedAt + EXIT_FLUSH_MARGIN_MS : (freeze?.frozenAt ?? 0) + flushDelayMs;
  return Math.min(Math.max(0, flushedBy - row!.now.getTime()), flushDelayMs);
}

/** The counters the last passed comparison's run stored when it listed its tables; none means every table counts as written. */
async function baselineCounters(runtime: StepRuntime, migrationId: string): Promise<Record<string, string>> {
  const summary = await runtime.store.latestReport<ComparisonSummaryReport>(migrationId, COMPARISON_SUMMARY_KIND);
  if (!summary?.report.equal) return {};
  const step = await runtime.store.getStep(summary.report.runId, WRITE_COUNTERS_STEP);
  return step?.status === 'done' ? ((step.output as Record<string, string> | undefined) ?? {}) : {};
}
