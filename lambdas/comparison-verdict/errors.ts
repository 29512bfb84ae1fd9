import { FerryError } from '../shared/errors';

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
