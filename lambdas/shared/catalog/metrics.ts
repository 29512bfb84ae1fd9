import type { MetricsPort, MetricUnitName } from '../observability';

/**
 * Every metric Ferry publishes (namespace `Ferry`, Powertools EMF), defined once: the code that
 * emits a metric and the alarms and dashboards that watch it (lib/metrics.ts) both name an entry
 * here, never a string. Powertools adds the `service` dimension (`ferry`) to each of them; the
 * dimensions listed are the ones the emitting code adds.
 */

export interface MetricEntry<D extends string = string> {
  readonly name: string;
  readonly unit: MetricUnitName;
  /** The dimensions the code adds (besides Powertools' `service`). */
  readonly dimensions: readonly D[];
  readonly description: string;
}

/** The namespace of every Ferry metric, and the `service` dimension Powertools adds to each. */
export const FERRY_NAMESPACE = 'Ferry';
export const FERRY_SERVICE = 'ferry';

const entry = <const D extends string>(e: MetricEntry<D>): MetricEntry<D> => e;
const perMigration = ['migrationId'] as const;

export const METRICS = {
  // Replication (replication-status while waiting for the full load; replication-monitor every minute)
  replicationLagSeconds: entry({ name: 'ReplicationLagSeconds', unit: 'Seconds', dimensions: perMigration, description: 'Seconds the replica is behind its source while changes stream; absent when unknown (never 0 for unknown).' }),
  replicationLagBytes: entry({ name: 'ReplicationLagBytes', unit: 'Bytes', dimensions: perMigration, description: 'WAL bytes the replica has yet to apply, where the engine reports them.' }),
  replicationHealthy: entry({ name: 'ReplicationHealthy', unit: 'Count', dimensions: perMigration, description: '1 when the replication that must run in the phase is running, else 0 (the replication-failed rollback alarm).' }),

  // Progress (replication-monitor every minute; catalog and statistics views only, never a count(*) of a user table)
  migrationPhase: entry({ name: 'MigrationPhase', unit: 'Count', dimensions: perMigration, description: "The migration's phase as its index in PHASES (lambdas/shared/checkpoints/phases.ts): 0 new ... 9 completed." }),
  rowsCopied: entry({ name: 'RowsCopied', unit: 'Count', dimensions: perMigration, description: "Rows the full load has copied so far (DMS: the tables' FullLoadRows; native: rows inserted into the target's tables, COPYs in progress included); during the full load only." }),
  rowsEstimated: entry({ name: 'RowsEstimated', unit: 'Count', dimensions: perMigration, description: "Rows the full load has to copy, from the source's planner estimate (pg_class.reltuples); absent while a table has no estimate yet." }),
  fullLoadSecondsLeft: entry({ name: 'FullLoadSecondsLeft', unit: 'Seconds', dimensions: perMigration, description: "Seconds until the full load has copied every table: rows left at the average rate since it started (progress-eta.ts); absent while unknown." }),
  tablesPending: entry({ name: 'TablesPending', unit: 'Count', dimensions: perMigration, description: 'Tables the full load has not finished copying (queued or being copied); 0 once changes stream.' }),
  tablesLoading: entry({ name: 'TablesLoading', unit: 'Count', dimensions: perMigration, description: 'Tables being copied right now.' }),
  changesWritten: entry({ name: 'ChangesWritten', unit: 'Count', dimensions: perMigration, description: 'Running total of rows written in the replicated tables where the replication in use reads them (source before cutover, target after): it grows while the source is being written.' }),
  changesApplied: entry({ name: 'ChangesApplied', unit: 'Count', dimensions: perMigration, description: 'The same running total where the replication writes them, COPYs in progress included: it grows while the replication makes progress (the stall alarm).' }),

  // Cutover and rollback (freeze step at the thaw that gives the clients their writes back; final-compare step)
  writeFreezeSeconds: entry({ name: 'WriteFreezeSeconds', unit: 'Seconds', dimensions: ['migrationId', 'direction'], description: "Seconds the clients could not write: from the freeze of the database they used to the thaw of the one they use now (direction forward: a cutover; reverse: a rollback)." }),
  finalCheckRows: entry({ name: 'FinalCheckRows', unit: 'Count', dimensions: ['migrationId', 'direction'], description: 'Rows the final check compared with writes frozen (the keys changed since the last verified position, or every row with fullComparison).' }),
  finalCheckSeconds: entry({ name: 'FinalCheckSeconds', unit: 'Seconds', dimensions: ['migrationId', 'direction'], description: 'Seconds the final check took, within the write freeze.' }),

  // Preflight
  preflightErrors: entry({ name: 'PreflightErrors', unit: 'Count', dimensions: perMigration, description: 'Preflight checks that found an error (waived ones included).' }),
  preflightWarnings: entry({ name: 'PreflightWarnings', unit: 'Count', dimensions: perMigration, description: 'Preflight checks that found a warning.' }),

  // Full comparison (compare, per invocation) and its verdict (comparison-verdict)
  rowsCompared: entry({ name: 'RowsCompared', unit: 'Count', dimensions: perMigration, description: 'Rows one compare invocation compared.' }),
  compareRowsPerSecond: entry({ name: 'CompareRowsPerSecond', unit: 'Count/Second', dimensions: perMigration, description: 'Rows per second of one compare invocation.' }),
  dataDifferences: entry({ name: 'DataDifferences', unit: 'Count', dimensions: perMigration, description: 'Missing, extra and changed rows one compare invocation found.' }),
  tablesCompared: entry({ name: 'TablesCompared', unit: 'Count', dimensions: perMigration, description: 'Tables the comparison verdict judged.' }),
  tablesDifferent: entry({ name: 'TablesDifferent', unit: 'Count', dimensions: perMigration, description: 'Tables that compared different.' }),
  tablesUnfinished: entry({ name: 'TablesUnfinished', unit: 'Count', dimensions: perMigration, description: 'Tables whose comparison did not finish.' }),
  comparisonEqual: entry({ name: 'ComparisonEqual', unit: 'Count', dimensions: perMigration, description: '1 when the migration passed its comparison, else 0: an alarm on < 1 watches every run.' }),

  // Drift (the drift step, after every check, 0 included)
  driftDifferences: entry({ name: 'DriftDifferences', unit: 'Count', dimensions: perMigration, description: 'Findings of one drift check (schema, data and sequences): what the drift alarm watches.' }),
  driftSchemaDifferences: entry({ name: 'DriftSchemaDifferences', unit: 'Count', dimensions: perMigration, description: 'Schema findings of one drift check.' }),
  driftDataDifferences: entry({ name: 'DriftDataDifferences', unit: 'Count', dimensions: perMigration, description: 'Data findings of one drift check.' }),
  driftSequenceFindings: entry({ name: 'DriftSequenceFindings', unit: 'Count', dimensions: perMigration, description: 'Sequence findings of one drift check (behind, near exhaustion).' }),
  driftDifferencesByKind: entry({ name: 'DriftDifferencesByKind', unit: 'Count', dimensions: ['migrationId', 'kind'], description: 'Findings of one drift check of one kind (column-extra, sequence-exhaustion, ...).' }),

  // Continuous verification (each round)
  verificationDifferences: entry({ name: 'VerificationDifferences', unit: 'Count', dimensions: perMigration, description: 'Keys proven different (replication did not make the two equal), plus tables that compared different whole.' }),
  verificationSuspects: entry({ name: 'VerificationSuspects', unit: 'Count', dimensions: perMigration, description: 'Keys that differed in the last round but changed again since: compared again next round.' }),
  verificationKeysVerified: entry({ name: 'VerificationKeysVerified', unit: 'Count', dimensions: perMigration, description: 'Changed keys one round verified.' }),
  verificationAgeSeconds: entry({ name: 'VerificationAgeSeconds', unit: 'Seconds', dimensions: perMigration, description: 'Seconds since the newest verified position was read: how old the proof is (each round, and every minute by replication-monitor, so that it grows when rounds stop).' }),
  sourceCaptureSlotWalBytes: entry({ name: 'SourceCaptureSlotWalBytes', unit: 'Bytes', dimensions: perMigration, description: "WAL the source's change-capture slot keeps." }),
  targetCaptureSlotWalBytes: entry({ name: 'TargetCaptureSlotWalBytes', unit: 'Bytes', dimensions: perMigration, description: "WAL the target's change-capture slot keeps." }),
} as const;

export type MetricKey = keyof typeof METRICS;
export type DimensionsOf<E extends MetricEntry> = { readonly [D in E['dimensions'][number]]: string };

/** Publishes one value of a catalogued metric, with exactly its dimensions. */
export function publishMetric<E extends MetricEntry>(port: MetricsPort, metric: E, value: number, dimensions: DimensionsOf<E>): void {
  port.add(metric.name, metric.unit, value, dimensions);
}
