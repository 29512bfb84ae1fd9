import { METRICS, publishMetric } from '../shared/catalog/metrics';
import { COMPARISON_REPORT_KIND } from '../shared/catalog/reports';
import type { CheckpointStore } from '../shared/checkpoints';
import { compareData } from '../shared/compare/data/compare';
import { checkpointLedger } from '../shared/compare/data/ledger';
import type { DataComparison, TableComparison } from '../shared/compare/data/types';
import type { TableSelection } from '../shared/compare/table-patterns';
import type { MigrationConfig } from '../shared/migration-config';
import type { MetricsPort } from '../shared/observability';
import type { Database } from '../shared/pg/connection';
import { displayName, type TableName } from '../shared/pg/identifiers';

export interface CompareStepInput {
  readonly migrationId: string;
  /** Identifies the comparison; the same id resumes it, a new id starts over. */
  readonly runId: string;
  /** Limit to these tables (`schema.table` patterns); default: the migration's selection. */
  readonly tables?: readonly string[];
  /** Only this table, by its exact names (within the migration's selection). */
  readonly table?: TableName;
  /** Re-check differences after this delay (replication running). */
  readonly settleMs: number;
  readonly maxKeys: number;
}

/** What the workflow gets back: small (well under Step Functions' 256 KB), no keys. */
export interface CompareStepSummary {
  readonly migrationId: string;
  readonly runId: string;
  readonly complete: boolean;
  readonly pending: readonly string[];
  readonly equal: boolean;
  readonly rowsCompared: number;
  readonly differences: number;
  readonly differentTables: readonly string[];
  readonly tables: ReadonlyArray<Pick<TableComparison, 'table' | 'status' | 'rows' | 'missingTotal' | 'extraTotal' | 'changedTotal' | 'transient'>>;
  /** More tables than listed in `tables` (the full list is in the stored report). */
  readonly tablesNotListed: number;
  /** Sort key of the full report in the checkpoint table, once complete. */
  readonly reportKey?: string;
  readonly durationMs: number;
  /**
   * Epoch ms when this comparison first read the databases, and when it finished (null until
   * then). Both are checkpointed: a comparison resumed or returned from its checkpoints reports
   * when it really ran, never the time of the call.
   */
  readonly startedAt: number;
  readonly finishedAt: number | null;
}

export interface CompareStepPorts {
  readonly source: Database;
  readonly target: Database;
  readonly store: CheckpointStore;
  readonly metrics: MetricsPort;
  readonly now: () => number;
  /** Epoch ms by which the step must have returned. */
  readonly deadline: number;
}

/** Tables listed in a summary; ~150 bytes each keeps the summary far below 256 KB. */
export const SUMMARY_TABLE_LIMIT = 500;

export async function runCompare(input: CompareStepInput, migration: MigrationConfig, ports: CompareStepPorts): Promise<CompareStepSummary> {
  const started = ports.now();
  const selection = selectionOf(input, migration);
  const ledger = checkpointLedger(ports.store, input.runId);
  const scope = input.table ? displayName(input.table) : input.tables ? input.tables.join(',') : 'selection';
  const startedAt = await ledger.runStep(`compare:${scope}:started`, async () => ports.now());
  const result = await compareData(ports.source, ports.target, {
    selection,
    maxKeys: input.maxKeys,
    settleMs: input.settleMs,
    deadline: ports.deadline,
    ledger,
    now: ports.now,
  });
  const finishedAt = result.complete ? await ledger.runStep(`compare:${scope}:finished`, async () => ports.now()) : null;
  const durationMs = ports.now() - started;
  const { rowsCompared, differences } = summarize(input, result, durationMs);
  const dims = { migrationId: input.migrationId };
  publishMetric(ports.metrics, METRICS.rowsCompared, rowsCompared, dims);
  publishMetric(ports.metrics, METRICS.compareRowsPerSecond, durationMs > 0 ? Math.round(rowsCompared / (durationMs / 1000)) : 0, dims);
  publishMetric(ports.metrics, METRICS.dataDifferences, differences, dims);

  let reportKey: string | undefined;
  if (result.complete) {
    const receipt = await ports.store.putReport(input.migrationId, COMPARISON_REPORT_KIND, {
      runId: input.runId,
      selection,
      data: result,
      durationMs,
    });
    reportKey = receipt.sk;
  }
  return { ...summarize(input, result, durationMs, reportKey), startedAt, finishedAt };
}

/** Patterns replace the migration's includes; an exact table narrows them (exclusions always hold). */
export function selectionOf(input: Pick<CompareStepInput, 'tables' | 'table'>, migration: MigrationConfig): TableSelection {
  if (input.tables) return { include: input.tables, exclude: migration.tables.exclude };
  if (input.table) return { ...migration.tables, only: [{ schema: input.table.schema, name: input.table.name }] };
  return migration.tables;
}

/** The workflow's view of a comparison: totals per table, no keys, at most SUMMARY_TABLE_LIMIT tables. */
export function summarize(
  input: Pick<CompareStepInput, 'migrationId' | 'runId'>,
  result: DataComparison,
  durationMs: number,
  reportKey?: string,
): Omit<CompareStepSummary, 'startedAt' | 'finishedAt'> {
  const differentTables = result.tables.filter((t) => t.status === 'different').map((t) => t.table);
  return {
    migrationId: input.migrationId,
    runId: input.runId,
    complete: result.complete,
    pending: result.pending.slice(0, SUMMARY_TABLE_LIMIT),
    equal: result.complete && differentTables.length === 0,
    rowsCompared: result.tables.reduce((acc, t) => acc + t.rows, 0),
    differences: result.tables.reduce((acc, t) => acc + t.missingTotal + t.extraTotal + t.changedTotal, 0),
    differentTables: differentTables.slice(0, SUMMARY_TABLE_LIMIT),
    tables: result.tables.slice(0, SUMMARY_TABLE_LIMIT).map((t) => ({
      table: t.table,
      status: t.status,
      rows: t.rows,
      missingTotal: t.missingTotal,
      extraTotal: t.extraTotal,
      changedTotal: t.changedTotal,
      transient: t.transient,
    })),
    tablesNotListed: Math.max(0, result.tables.length - SUMMARY_TABLE_LIMIT),
    ...(reportKey ? { reportKey } : {}),
    durationMs,
  };
}
