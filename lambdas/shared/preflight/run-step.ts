import type { RdsDatabase, RestorePoints } from '../restore-points/rds';
import { METRICS, publishMetric } from '../catalog/metrics';
import { PREFLIGHT_REPORT_KIND } from '../catalog/reports';
import type { CheckpointStore } from '../checkpoints';
import { rdsDatabaseOf, type MigrationConfig } from '../migration-config';
import type { MetricsPort } from '../observability';
import type { Database } from '../pg/connection';
import type { ReplicationEngine } from '../replication/engine';
import type { PreflightContext, ReplicationReading } from './check';
import { ferrySlotsOf } from './ferry-slots';
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
  /**
   * Opens the migration's replication engine; preflight asks it for the replication's state (a
   * re-run while the replication runs). @default none: the replication counts as not started
   */
  readonly engine?: () => Promise<ReplicationEngine>;
  /** RDS, to read the backup settings of the databases that name an RDS identifier. @default none */
  readonly restorePoints?: RestorePoints;
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

/** How long reading the replication's state may take before preflight goes on without it. */
export const REPLICATION_STATE_TIMEOUT_MS = 30_000;

/**
 * The state of the replication as its engine reports it. Never throws: an engine that cannot be
 * opened, fails, or does not answer in time gives the reason instead, and the checks then act as
 * if the replication had not started (they never pass because the state is unknown).
 */
export async function readReplicationState(engine: () => Promise<ReplicationEngine>, timeoutMs = REPLICATION_STATE_TIMEOUT_MS): Promise<ReplicationReading> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`its engine gave no state within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    const status = await Promise.race([engine().then((e) => e.status()), timeout]);
    return { known: true, state: status.state };
  } catch (error) {
    return { known: false, reason: `reading its state failed: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    clearTimeout(timer);
  }
}

/** The preflight context a migration's configuration implies; with an engine, the replication's state is read once, when a check first asks. */
export function preflightContextOf(
  migration: MigrationConfig,
  source: Database,
  target: Database,
  engine?: () => Promise<ReplicationEngine>,
  restorePoints?: RestorePoints,
): PreflightContext {
  const r = migration.replication;
  let reading: Promise<ReplicationReading> | undefined;
  return {
    source,
    target,
    engine: r.engine === 'native' ? 'native' : 'dms',
    selection: migration.tables,
    // Native: the parallel initial copies are the target server's setting, which the checks read there.
    ...(r.engine === 'native' ? {} : { lobMaxSizeKb: r.lobMaxSizeKb }),
    ferrySlots: ferrySlotsOf(migration),
    ...(engine === undefined ? {} : { replicationState: () => (reading ??= readReplicationState(engine)) }),
    backups: {
      ...rdsSides(migration),
      ...(restorePoints === undefined ? {} : { rds: restorePoints }),
    },
  };
}

/**
 * Runs every check, stores the report (also when it fails: the operator reads it), and throws
 * PreflightFailedError when an unwaived check found an error, so nothing starts.
 */
export async function runPreflightStep(input: PreflightStepInput, migration: MigrationConfig, ports: PreflightStepPorts): Promise<PreflightStepSummary> {
  const run = async (): Promise<PreflightStepSummary> => {
    const report: PreflightReport = await runPreflight(preflightContextOf(migration, ports.source, ports.target, ports.engine, ports.restorePoints), { waive: input.waive });
    const receipt = await ports.store.putReport(input.migrationId, PREFLIGHT_REPORT_KIND, report);
    const count = (severity: string) => report.checks.filter((c) => c.severity === severity).length;
    const dimensions = { migrationId: input.migrationId };
    publishMetric(ports.metrics, METRICS.preflightErrors, count('error'), dimensions);
    publishMetric(ports.metrics, METRICS.preflightWarnings, count('warning'), dimensions);
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

function rdsSides(migration: MigrationConfig): { source?: RdsDatabase; target?: RdsDatabase } {
  const source = rdsDatabaseOf(migration.source);
  const target = rdsDatabaseOf(migration.target);
  return { ...(source ? { source } : {}), ...(target ? { target } : {}) };
}
