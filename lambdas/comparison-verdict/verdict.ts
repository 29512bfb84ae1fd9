import { METRICS, publishMetric } from '../shared/catalog/metrics';
import type { CheckpointStore } from '../shared/checkpoints';
import type { MetricsPort } from '../shared/observability';
import { COMPARISON_SUMMARY_KIND, ComparisonFailedError, type ComparisonSummaryReport, type TableResult } from '../shared/comparison/summary';
import { displayName } from '../shared/pg/identifiers';

export interface VerdictOutput {
  readonly equal: true;
  readonly tablesCompared: number;
  readonly rowsCompared: number;
  readonly reportKey: string;
  /** ISO-8601 times of the comparison itself, and its age when judged. */
  readonly startedAt: string;
  readonly completedAt: string;
  readonly ageMinutes: number;
}

export interface VerdictInput {
  readonly migrationId: string;
  readonly runId: string;
  readonly results: readonly TableResult[];
  /** The settle delay the comparison used; with it a difference is known to have been re-checked. */
  readonly settleMs?: number;
}

/** Why a table fails the verdict, or undefined when it passed. */
export function failureOf(result: TableResult, settleMs: number | undefined): string | undefined {
  const name = displayName(result.table);
  if (!result.complete) return `${name}: not finished after ${result.rounds} round${result.rounds === 1 ? '' : 's'}`;
  if (result.equal) return undefined;
  const n = result.differences;
  const rechecked = settleMs !== undefined && settleMs > 0 ? ' after re-checking' : '';
  if (n === 0) return `${name}: differs (no row difference counted: see the 'comparison' report, e.g. a table missing on one side)`;
  return `${name}: ${n} row${n === 1 ? ' differs' : 's differ'}${rechecked}`;
}

/**
 * Judges the workflow's per-table comparison results: stores the `comparison-summary` report
 * (also when it fails, so the guardrails and the operator see the failure) and throws
 * ComparisonFailedError naming every table that differs or did not finish.
 */
export async function judgeComparison(input: VerdictInput, ports: { readonly store: CheckpointStore; readonly metrics: MetricsPort; readonly now: () => number }): Promise<VerdictOutput> {
  const failures = input.results.map((r) => failureOf(r, input.settleMs)).filter((f): f is string => f !== undefined);
  const unfinished = input.results.filter((r) => !r.complete).length;
  const different = input.results.filter((r) => r.complete && !r.equal).length;
  const rowsCompared = input.results.reduce((sum, r) => sum + r.rowsCompared, 0);
  const equal = failures.length === 0;
  const { startedAt, finishedAt } = comparisonTimes(input.results, ports.now());
  const report: ComparisonSummaryReport = {
    runId: input.runId,
    equal,
    startedAt: new Date(startedAt).toISOString(),
    completedAt: new Date(finishedAt).toISOString(),
    judgedAt: new Date(ports.now()).toISOString(),
    tables: input.results,
    rowsCompared,
  };
  const receipt = await ports.store.putReport(input.migrationId, COMPARISON_SUMMARY_KIND, report);

  const dimensions = { migrationId: input.migrationId };
  publishMetric(ports.metrics, METRICS.tablesCompared, input.results.length, dimensions);
  publishMetric(ports.metrics, METRICS.tablesDifferent, different, dimensions);
  publishMetric(ports.metrics, METRICS.tablesUnfinished, unfinished, dimensions);
  // 1 when the migration passed its comparison: an alarm on < 1 watches every run.
  publishMetric(ports.metrics, METRICS.comparisonEqual, equal ? 1 : 0, dimensions);

  if (!equal) throw new ComparisonFailedError(input.migrationId, input.runId, failures, { different, unfinished, reportKey: receipt.sk });
  return {
    equal: true,
    tablesCompared: input.results.length,
    rowsCompared,
    reportKey: receipt.sk,
    startedAt: report.startedAt,
    completedAt: report.completedAt,
    ageMinutes: Math.round((ports.now() - finishedAt) / 6_000) / 10,
  };
}

/** The comparison's real start and end from its tables' checkpointed times (now, for results that carry none). */
export function comparisonTimes(results: readonly TableResult[], now: number): { startedAt: number; finishedAt: number } {
  const starts = results.map((r) => r.startedAt).filter((t): t is number => typeof t === 'number');
  const ends = results.map((r) => r.finishedAt).filter((t): t is number => typeof t === 'number');
  return { startedAt: starts.length > 0 ? Math.min(...starts) : now, finishedAt: ends.length === results.length && ends.length > 0 ? Math.max(...ends) : now };
}
