import { METRICS, publishMetric } from '../shared/catalog/metrics';
import { detectDrift } from '../shared/drift/detect';
import { DRIFT_KIND, DRIFT_REPORT_TTL_DAYS, SCHEMA_SNAPSHOT_KIND, SNAPSHOT_TTL_DAYS, type DriftReport } from '../shared/drift/reports';
import { readDriftSnapshot } from '../shared/drift/schema-drift';
import type { DriftResult } from '../shared/drift/types';
import { parseInput } from '../shared/input';
import type { MigrationConfig } from '../shared/migration-config';
import { withDatabases, type StepRuntime } from '../shared/runtime';
import { DriftInputSchema } from '../shared/workflow-inputs';
import { SchemaSnapshotMissingError } from './errors';
import { driftNotification } from './messages';

/**
 * What a data comparison may use of the function's 15-minute timeout (lib/constructs/workflows/steps.ts),
 * leaving time to store the report and notify. Bounded by Lambda, not an operator's choice: what
 * does not fit is reported as incomplete.
 */
const DATA_BUDGET_MS = 12 * 60_000;

export type DriftOutput =
  | { readonly status: 'skipped'; readonly phase: string; readonly reason: string }
  | { readonly status: 'snapshot-stored'; readonly tables: number; readonly reportKey: string }
  | {
      readonly status: 'checked';
      readonly mode: DriftResult['mode'];
      readonly phase: string;
      readonly differences: number;
      readonly byKind: Readonly<Record<string, number>>;
      readonly incomplete: number;
      readonly changed: boolean;
      readonly notified: boolean;
      readonly reportKey: string;
    };

const BEFORE_CUTOVER = new Set(['replicating', 'ready', 'cutting-over']);

/**
 * One drift check: before cutover the source against the target, after it the target against the
 * schema snapshot stored at cutover. Stores the result as a `drift` report (a history with TTL),
 * publishes metrics, and notifies only when the result differs from the previous check's.
 */
export async function driftStep(event: unknown, runtime: StepRuntime): Promise<DriftOutput> {
  const input = parseInput(DriftInputSchema, event);
  const migration = runtime.migration(input.migrationId);
  if (input.action === 'snapshot') return storeSnapshot(migration, runtime);

  const phase = (await runtime.store.getState(input.migrationId))?.phase ?? 'new';
  const data = input.data ?? migration.drift.data;
  const options = { selection: migration.tables, data, deadline: runtime.now() + DATA_BUDGET_MS, settleMs: migration.verification.settleMs };
  let result: DriftResult;
  if (BEFORE_CUTOVER.has(phase)) {
    result = await withDatabases(runtime, migration, ({ source, target }) => detectDrift({ source, target }, options), { max: 2 });
  } else if (phase === 'cut-over') {
    const stored = await runtime.store.latestReport(input.migrationId, SCHEMA_SNAPSHOT_KIND);
    if (stored === undefined) {
      throw new SchemaSnapshotMissingError(
        `Migration "${input.migrationId}" is cut over but has no schema snapshot from its cutover, so drift cannot be measured. ` +
          `Store one now with the drift workflow input {"migrationId": "${input.migrationId}", "action": "snapshot"} (it snapshots the target as it is).`,
      );
    }
    result = await withDatabases(runtime, migration, ({ target }) => detectDrift({ snapshot: stored.report, target }, options), { max: 1 });
  } else {
    return { status: 'skipped', phase, reason: `phase "${phase}": there is no pair of databases in use to compare` };
  }

  const previous = (await runtime.store.latestReport(input.migrationId, DRIFT_KIND))?.report;
  const changed = previous === undefined ? result.differences.length > 0 : previous.fingerprint !== result.fingerprint;
  const report: DriftReport = { ...result, phase, checkedAt: new Date(runtime.now()).toISOString(), changed };
  const receipt = await runtime.store.putReport(input.migrationId, DRIFT_KIND, report, { ttlDays: DRIFT_REPORT_TTL_DAYS });
  publishMetrics(runtime, input.migrationId, result);
  const notified = changed ? await runtime.notifier.notify(driftNotification(migration, report, previous)).then(() => true, () => false) : false;
  return {
    status: 'checked',
    mode: result.mode,
    phase,
    differences: result.differences.length,
    byKind: result.counts.byKind,
    incomplete: result.incomplete.length,
    changed,
    notified,
    reportKey: receipt.sk,
  };
}

/** The target's schema with its surface (functions, row level security, grants, owners, partitions): what later checks compare with. */
async function storeSnapshot(migration: MigrationConfig, runtime: StepRuntime): Promise<DriftOutput> {
  const snapshot = await withDatabases(runtime, migration, ({ target }) => readDriftSnapshot(target, { selection: migration.tables }), { max: 1 });
  const receipt = await runtime.store.putReport(migration.id, SCHEMA_SNAPSHOT_KIND, snapshot, { ttlDays: SNAPSHOT_TTL_DAYS });
  return { status: 'snapshot-stored', tables: snapshot.tables.length, reportKey: receipt.sk };
}

/** `DriftDifferences` is what the drift alarm watches; the others break it down. */
function publishMetrics(runtime: StepRuntime, id: string, result: DriftResult): void {
  const dims = { migrationId: id };
  publishMetric(runtime.metrics, METRICS.driftDifferences, result.differences.length, dims);
  publishMetric(runtime.metrics, METRICS.driftSchemaDifferences, result.counts.schema, dims);
  publishMetric(runtime.metrics, METRICS.driftDataDifferences, result.counts.data, dims);
  publishMetric(runtime.metrics, METRICS.driftSequenceFindings, result.counts.sequences, dims);
  for (const [kind, n] of Object.entries(result.counts.byKind)) publishMetric(runtime.metrics, METRICS.driftDifferencesByKind, n, { ...dims, kind });
}
