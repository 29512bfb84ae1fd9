import { z } from 'zod';
import { METRICS, publishMetric } from '../shared/catalog/metrics';
import { compareData } from '../shared/compare/data/compare';
import { checkpointLedger } from '../shared/compare/data/ledger';
import { FinalComparisonFailedError } from '../shared/comparison/summary';
import { assertBeforeDeadline } from '../shared/cutover/deadline';
import { deadline, migrationId, runId } from '../shared/workflow-schemas';
import { FreezeExpiredError } from '../shared/freeze/errors';
import { parseInput } from '../shared/input';
import { withDatabases, type StepRuntime } from '../shared/runtime';
import { applyProofFor } from '../shared/verification/applied';
import { VerificationFailedError, VerificationUnavailableError } from '../shared/verification/errors';
import { withVerificationLease } from '../shared/verification/lease';
import { describeDifferences, VERIFICATION_REPORT_KIND } from '../shared/verification/run';
import { verificationRound } from '../shared/verification/round';

/** `{"migrationId", "runId", "deadline", "full": false, "direction": "forward"}` */
export const FinalCompareInputSchema = z.strictObject({
  migrationId,
  runId,
  deadline,
  /** Compare every table whole instead of the rows changed since the last verified position. @default false */
  full: z.boolean().default(false),
  /** `forward`: a cutover (clients wrote to the source); `reverse`: a rollback (they wrote to the target). @default 'forward' */
  direction: z.enum(['forward', 'reverse']).default('forward'),
  /** The execution (the verification lease's owner). */
  owner: z.string().min(1).default('final-check'),
});

export interface FinalCompareOutput {
  readonly mode: 'changes' | 'full';
  /** Change records read on each side since the last verified position. */
  readonly changes: { readonly source: number; readonly target: number };
  readonly keysVerified: number;
  readonly tablesCompared: number;
  readonly rowsCompared: number;
  readonly verifiedThrough?: { readonly source: string; readonly target: string };
  readonly durationMs: number;
}

/**
 * The last check before clients move, with writes frozen and drained (the marker row arrived),
 * so it is exact: no re-check, and any difference stops the switch. By default it compares exactly
 * the rows changed on either side since the last verified position, plus every key still
 * unresolved, up to each side's current position (the marker's): O(changes), whatever the tables'
 * size. With `full`, every table is compared whole instead. Stops at the freeze's deadline.
 */
export async function finalCompareStep(event: unknown, runtime: StepRuntime): Promise<FinalCompareOutput> {
  const input = parseInput(FinalCompareInputSchema, event);
  const output = await finalCheck(input, runtime);
  // The size and duration of the check that passed (the dashboard's "last cutover" widgets).
  const dimensions = { migrationId: input.migrationId, direction: input.direction };
  publishMetric(runtime.metrics, METRICS.finalCheckRows, output.rowsCompared, dimensions);
  publishMetric(runtime.metrics, METRICS.finalCheckSeconds, output.durationMs / 1000, dimensions);
  return output;
}

async function finalCheck(input: z.infer<typeof FinalCompareInputSchema>, runtime: StepRuntime): Promise<FinalCompareOutput> {
  const migration = runtime.migration(input.migrationId);
  assertBeforeDeadline(input.deadline, runtime.now(), 'the final comparison');
  const started = runtime.now();
  return withDatabases(runtime, migration, async (dbs) => {
    if (input.full) {
      const result = await compareData(dbs.source, dbs.target, {
        selection: migration.tables,
        settleMs: 0,
        recheckRounds: 0,
        deadline: input.deadline,
        ledger: checkpointLedger(runtime.store, `${input.runId}:final:${input.direction}`),
        now: () => runtime.now(),
      });
      if (!result.complete) throw expired(`${result.pending.length} tables left: ${result.pending.slice(0, 5).join(', ')}`);
      const different = result.tables.filter((t) => t.status === 'different');
      if (different.length > 0) {
        throw new FinalComparisonFailedError(
          input.migrationId,
          input.direction,
          different.map((t) => `${t.table}: ${t.missingTotal} missing, ${t.extraTotal} extra, ${t.changedTotal} changed on the target`),
        );
      }
      return {
        mode: 'full',
        changes: { source: 0, target: 0 },
        keysVerified: 0,
        tablesCompared: result.tables.length,
        rowsCompared: result.tables.reduce((sum, t) => sum + t.rows, 0),
        durationMs: runtime.now() - started,
      };
    }
    const waitMs = Math.max(0, input.deadline - runtime.now());
    const outcome = await withVerificationLease(runtime.store, migration.id, { owner: input.owner, leaseMs: Math.max(60_000, waitMs), waitMs }, async (lease) => {
      const record = await runtime.store.getVerification(migration.id);
      if (!record || record.status !== 'capturing') {
        throw new VerificationUnavailableError(
          `Migration "${migration.id}" has no usable change capture (${record ? `${record.status}${record.lost ? `: ${record.lost.reason}` : ''}` : 'none'}), so the rows changed since the last check cannot be verified. ` +
            `Nothing was switched. Start the migrate workflow with {"migrationId": "${migration.id}", "restart": true}, or cut over with "fullComparison": true.`,
        );
      }
      const round = await verificationRound(
        {
          migration,
          ...dbs,
          store: runtime.store,
          proof: applyProofFor(migration, input.direction, dbs),
          persist: (r) => runtime.store.putVerification(r, lease),
          now: runtime.now,
        },
        { record, direction: input.direction, mode: 'frozen', settleMs: 0, maxChanges: migration.verification.maxChangesPerRound, deadline: input.deadline },
      );
      if (round.record.tablesToCompare.length > 0 && round.record.unresolved.length === 0) {
        throw expired(`tables to compare whole still unfinished: ${round.record.tablesToCompare.map((t) => t.table).join(', ')}`);
      }
      const differences = round.record.unresolved;
      if (differences.length > 0) {
        await runtime.store.putReport(migration.id, VERIFICATION_REPORT_KIND, { captureId: record.captureId, round: round.summary, differences: differences.slice(0, 1000), frozen: true });
        const next =
          input.direction === 'forward'
            ? 'Nothing was switched: the cutover backs out (the source is thawed, the migration returns to "ready").'
            : `The clients stay on the target, which the rollback thaws again. Fix the rows on the side that is wrong, then start the rollback workflow again with {"migrationId": "${migration.id}", "reason": "..."}.`;
        throw new VerificationFailedError(
          `With writes frozen and every write drained, ${differences.length} row(s) of migration "${migration.id}" differ between source and target:\n` +
            `${describeDifferences(differences)}\n${next} The 'verification' report lists them all; a row is resolved when a later verification finds it equal.`,
        );
      }
      return round;
    });
    const round = outcome!;
    return {
      mode: 'changes',
      changes: round.summary.changes,
      keysVerified: round.summary.keysVerified,
      tablesCompared: round.summary.tablesCompared,
      rowsCompared: round.summary.keysVerified,
      verifiedThrough: { source: round.record.verifiedThrough!.source, target: round.record.verifiedThrough!.target },
      durationMs: runtime.now() - started,
    };
  });
}

function expired(what: string): FreezeExpiredError {
  return new FreezeExpiredError(
    `The final check did not finish before the write freeze's maximum duration (${what}). The workflow thaws the source; ` +
      'raise thresholds.maxWriteFreezeSeconds, or let a verification round finish first (the cutover runs one just before it freezes).',
  );
}
