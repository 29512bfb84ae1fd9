import { FerryError } from '../errors';
import type { TableName } from '../pg/identifiers';

/**
 * The comparison's verdict as the rest of Ferry sees it: the `comparison-summary` report the
 * comparison-verdict step stores (guardrails and the rehearsal read it) and the error a failed
 * comparison throws (the comparison-verdict and final-compare steps).
 */

/** One item of the workflow's comparison Map, as its "Table compared" state shapes it. */
export interface TableResult {
  readonly table: TableName;
  /** Compare invocations the table took. */
  readonly rounds: number;
  readonly complete: boolean;
  readonly equal: boolean;
  readonly rowsCompared: number;
  readonly differences: number;
  /** Epoch ms when the table's comparison first read the databases, and when it finished (checkpointed, so honest on a resumed run). */
  readonly startedAt?: number;
  readonly finishedAt?: number | null;
}

/** The report cutover guardrails read (its latest): was everything equal, and when. */
export interface ComparisonSummaryReport {
  readonly runId: string;
  readonly equal: boolean;
  /** ISO-8601: when the first table's comparison began reading. */
  readonly startedAt: string;
  /** ISO-8601: when the last table's comparison finished (not when it was judged: a resumed run reuses older results). */
  readonly completedAt: string;
  /** ISO-8601: when this verdict was made. */
  readonly judgedAt: string;
  readonly tables: readonly TableResult[];
  readonly rowsCompared: number;
}

export { COMPARISON_SUMMARY_KIND } from '../catalog/reports';

/** Failing tables named in the message; the stored `comparison-summary` report lists them all. */
export const FAILING_TABLES_LISTED = 50;

/** Some table differs or did not finish: the migration is not ready for cutover. */
export class ComparisonFailedError extends FerryError {
  override readonly name = 'ComparisonFailedError';

  constructor(
    readonly migrationId: string,
    readonly runId: string,
    /** One line per failing table: `public.orders: 3 rows differ after re-checking`. */
    readonly failures: readonly string[],
    options: { readonly different: number; readonly unfinished: number; readonly reportKey: string | undefined },
  ) {
    const n = failures.length;
    const listed = failures.slice(0, FAILING_TABLES_LISTED).map((line) => `- ${line}`);
    if (n > FAILING_TABLES_LISTED) listed.push(`- ... and ${n - FAILING_TABLES_LISTED} more (the 'comparison-summary' report lists them all)`);
    const advice: string[] = [];
    if (options.different > 0) {
      advice.push(
        `For a table that differs: read the latest 'comparison' reports of migration "${migrationId}" in the checkpoint table ` +
          `(or run \`ferry compare\`) to see the missing, extra and changed rows; find the cause (writes made directly on the target, ` +
          `a trigger or default firing on the target, a table the replication does not cover) and fix it. Then start the migrate ` +
          `workflow again with {"migrationId": "${migrationId}", "restart": true}: a new run compares every table afresh (resuming this ` +
          `run would return the same stored results).`,
      );
    }
    if (options.unfinished > 0) {
      advice.push(
        `For a table that did not finish: start the migrate workflow again with {"migrationId": "${migrationId}"}; it resumes run ` +
          `"${runId}" and the comparison continues from its checkpoints.`,
      );
    }
    super(
      `The comparison of migration "${migrationId}" (run "${runId}") failed for ${n} table${n === 1 ? '' : 's'}; the migration is not ` +
        `ready for cutover. Replication keeps running.\n${listed.join('\n')}\n${advice.join('\n')}` +
        (options.reportKey ? `\nSummary report: ${options.reportKey}` : ''),
    );
  }
}

/**
 * The final check's whole comparison (`"fullComparison": true`) found tables that differ with
 * writes frozen and drained, so the difference is real (no re-check). Its advice is for a frozen
 * cutover or rollback, where ComparisonFailedError's is for the migrate verdict.
 */
export class FinalComparisonFailedError extends FerryError {
  override readonly name = 'FinalComparisonFailedError';

  constructor(
    readonly migrationId: string,
    readonly direction: 'forward' | 'reverse',
    /** One line per table that differs: `public.orders: 1 missing, 0 extra, 2 changed ...`. */
    readonly failures: readonly string[],
  ) {
    const n = failures.length;
    const listed = failures.slice(0, FAILING_TABLES_LISTED).map((line) => `- ${line}`);
    if (n > FAILING_TABLES_LISTED) listed.push(`- ... and ${n - FAILING_TABLES_LISTED} more`);
    const next =
      direction === 'forward'
        ? `Nothing was switched: the cutover backs out (the source is thawed, the clients stay on it, the migration returns to "ready"). ` +
          `Find the cause (writes made directly on the target, a trigger or default firing there, a table the replication does not cover), ` +
          `run \`ferry compare\` to see the rows, then start the migrate workflow with {"migrationId": "${migrationId}", "restart": true} before the next cutover.`
        : `The clients stay on the target, which the rollback thaws again. Fix the rows on the side that is wrong, then start the rollback ` +
          `workflow again with {"migrationId": "${migrationId}", "reason": "..."}.`;
    super(
      `With writes frozen and every write drained, the whole comparison of migration "${migrationId}" found ${n} ` +
        `${n === 1 ? 'table that differs' : 'tables that differ'} between source and target:\n${listed.join('\n')}\n${next}`,
    );
  }
}
