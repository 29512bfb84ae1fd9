import type { CheckpointStore } from '../shared/checkpoints';
import type { MigrationConfig } from '../shared/migration-config';
import type { MetricsPort } from '../shared/observability';
import type { Database } from '../shared/pg/connection';
import { PreflightFailedError, runPreflight, type PreflightReport } from './run-preflight';

export interface PreflightStepInput {
  readonly migrationId: string;
  /** When given, a passed preflight is checkpointed under this run and not repeated on a re-run. */
  readonly runId?: string;
  /** Check ids whose errors do not block; recorded in the report. */
  readonly waive: readonly string[];
}

export interface PreflightStepPorts {
  readonly source: Database;
  readonly target: Database;
  readonly store: CheckpointStore;
  readonly metrics: MetricsPort;
}

/** What the workflow gets back: counts and ids, the full report is in the checkpoint table. */
export interface PreflightStepSummary {
  readonly migrationId: string;
  readonly passed: true;
  readonly errors: number;
  readonly warnings: number;
  readonly waived: readonly string[];
  readonly warningChecks: readonly string[];
  readonly reportKey: string;
}

/** The preflight context a migration's configuration implies. */
export function preflightContextOf(migration: MigrationConfig, source: Database, target: Database) {
  const r = migration.replication;
  return {
    source,
    target,
    engine: r.engine === 'native' ? ('native' as const) : ('dms' as const),
    selection: migration.tables,
    ...(r.engine === 'native' ? { syncWorkers: r.syncWorkers } : { lobMaxSizeKb: r.lobMaxSizeKb }),
  };
}

/**
 * Runs every check, stores the report (also when it fails: the operator reads it), and throws
 * PreflightFailedError when an unwaived check found an error, so nothing starts.
 */
export async function runPreflightStep(input: PreflightStepInput, migration: MigrationConfig, ports: PreflightStepPorts): Promise<PreflightStepSummary> {
  const run = async (): Promise<PreflightStepSummary> => {
    const report: PreflightReport = await runPreflight(preflightContextOf(migration, ports.source, ports.target), { waive: input.waive });
    const receipt = await ports.store.putReport(input.migrationId, 'preflight', report);
    const count = (severity: string) => report.checks.filter((c) => c.severity === severity).length;
    const dimensions = { migrationId: input.migrationId };
    ports.metrics.add('PreflightErrors', 'Count', count('error'), dimensions);
    ports.metrics.add('PreflightWarnings', 'Count', count('warning'), dimensions);
    if (!report.passed) throw new PreflightFailedError(report);
    return {
      migrationId: input.migrationId,
      passed: true,
      errors: count('error'),
      warnings: count('warning'),
      waived: report.waived,
      warningChecks: report.checks.filter((c) => c.severity === 'warning').map((c) => c.id),
      reportKey: receipt.sk,
    };
  };
  return input.runId === undefined ? run() : ports.store.runStep(input.runId, 'preflight', run);
}
