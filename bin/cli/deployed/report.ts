import { DRIFT_KIND, REPORT_KINDS, type ReportCatalog, type ReportKind } from '../../../lambdas/shared/catalog/reports';
import { CheckpointStore, createDocumentClient, type StoredReport } from '../../../lambdas/shared/checkpoints';
import { awsClientConfig } from '../aws';
import { EXIT } from '../command';
import type { CliIo } from '../io';
import { renderComparison } from '../render-compare';
import { driftJson, renderDrift } from '../render-drift';
import { renderPreflight } from '../render-preflight';
import { renderKeyValues } from '../render-report';
import { UsageError } from '../usage-error';
import { awsCall } from './aws-errors';
import { withDeployedEnvironment } from './environment';
import { selectMigration } from './migrations';
import { reportRecordsProblem, summarizeReport } from './report-summaries';

export interface ReportOptions {
  /** A catalogued kind (lambdas/shared/catalog/reports.ts). */
  readonly kind: string;
  readonly env: string;
  readonly cdkJson?: string;
  /** @default the environment's only migration */
  readonly migration?: string;
  readonly json?: boolean;
}

/** `ferry report <kind>`: the latest stored report; exit 0, 1 when it records a problem, 2 none stored or could not read. */
export async function runReport(options: ReportOptions, io: CliIo): Promise<number> {
  const kind = reportKind(options.kind);
  return withDeployedEnvironment(options, io, async (env) => {
    const migrationId = selectMigration(env, options.migration);
    const stored = await awsCall('dynamodb:Query', () => env.clients.store.latestReport(migrationId, kind));
    if (stored === undefined) throw notStored(kind, migrationId, `environment '${env.name}' (table ${env.tableName})`);
    io.out(options.json ? `${JSON.stringify(stored, null, 2)}\n` : renderStoredReport(kind, stored));
    return reportRecordsProblem(kind, stored.report) ? EXIT.finding : EXIT.ok;
  });
}

export interface DriftReportOptions {
  readonly migration: string;
  readonly table: string;
  readonly region?: string;
  readonly endpoint?: string;
  readonly json?: boolean;
}

/**
 * `ferry drift-report`, the alias of `ferry report drift` that reads a table it is given rather
 * than an environment's stack: exit 0 no drift, 1 drift, 2 none stored.
 */
export async function runDriftReport(options: DriftReportOptions, io: CliIo): Promise<number> {
  const config = awsClientConfig(io.env, 'DYNAMODB');
  const client = createDocumentClient({ ...config, ...(options.region === undefined ? {} : { region: options.region }), ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }) });
  try {
    const store = new CheckpointStore({ client, tableName: options.table });
    const stored = await awsCall('dynamodb:Query', () => store.latestReport(options.migration, DRIFT_KIND));
    if (stored === undefined) throw notStored('drift', options.migration, `table ${options.table}`);
    const report = stored.report as ReportCatalog['drift'];
    io.out(options.json ? `${JSON.stringify(driftJson(report))}\n` : renderStoredReport('drift', stored));
    return report.differences.length > 0 ? EXIT.finding : EXIT.ok;
  } finally {
    client.destroy();
  }
}

/** `kind` if it is catalogued; else a usage error listing the kinds. */
export function reportKind(kind: string): ReportKind {
  if (Object.hasOwn(REPORT_KINDS, kind)) return kind as ReportKind;
  throw new UsageError(`report kind '${kind}' is not one Ferry stores (kinds: ${Object.keys(REPORT_KINDS).join(', ')})`);
}

function notStored(kind: ReportKind, migrationId: string, where: string): UsageError {
  const noun = kind === 'drift' ? 'drift check' : `${kind} report`;
  const writer = REPORT_KINDS[kind].split(':')[0];
  return new UsageError(`no ${noun} stored for migration "${migrationId}" in ${where}: the ${writer} has not stored one yet (reports expire after their TTL), or the id is wrong`);
}

/** The human form of a stored report: a heading with its summary, then its kind's renderer, or its keys and values. */
export function renderStoredReport(kind: ReportKind, stored: StoredReport): string {
  if (kind === 'drift') {
    const report = stored.report as ReportCatalog['drift'];
    const heading = `Drift check of ${report.checkedAt} (phase ${report.phase}${report.changed ? ', changed since the check before' : ''}):\n`;
    return heading + renderDrift(report, report.mode === 'snapshot-target' ? 'snapshot' : 'source');
  }
  const heading = `${kind} report of migration ${stored.migrationId}, stored ${stored.createdAt}: ${summarizeReport(kind, stored.report)}\n\n`;
  if (kind === 'preflight') return heading + renderPreflight(stored.report as ReportCatalog['preflight']);
  if (kind === 'comparison') {
    const report = stored.report as ReportCatalog['comparison'];
    return heading + renderComparison({ data: report.data, durationMs: report.durationMs }, reportRecordsProblem(kind, report));
  }
  return heading + renderKeyValues(stored.report);
}
