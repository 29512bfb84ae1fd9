import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { FERRY_NAMESPACE, FERRY_SERVICE, METRICS, type DimensionsOf } from '../../../lambdas/shared/catalog/metrics';
import type { ReportKind } from '../../../lambdas/shared/catalog/reports';
import type { LockRecord, MigrationState, TransitionRecord, VerificationRecord } from '../../../lambdas/shared/checkpoints';
import { EXIT } from '../command';
import type { CliIo } from '../io';
import { awsCall } from './aws-errors';
import { withDeployedEnvironment, type DeployedEnvironment } from './environment';
import { selectMigrations } from './migrations';
import { reportRecordsProblem, summarizeReport } from './report-summaries';
import { runningExecutions, type RunningExecution } from './running-executions';

export type { RunningExecution };

export interface StatusOptions {
  readonly env: string;
  readonly cdkJson?: string;
  /** Only this migration. @default every migration of the environment */
  readonly migration?: string;
  readonly json?: boolean;
}

/** The reports `ferry status` lists, newest of each kind. */
export const STATUS_REPORT_KINDS = ['preflight', 'comparison-summary', 'comparison', 'verification', 'guardrails', 'failure', 'drift'] as const satisfies readonly ReportKind[];

/** How far back `ferry status` looks for the replication lag; the monitor publishes it every minute. */
export const LAG_WINDOW_MS = 15 * 60_000;


export interface MigrationStatus {
  readonly migrationId: string;
  /** Undefined until a workflow first ran for the migration (no STATE item). */
  readonly state?: Pick<MigrationState, 'phase' | 'version' | 'updatedAt' | 'reason'> & { readonly history: readonly TransitionRecord[] };
  /** The LOCK item, with `held` (not released and not expired now). */
  readonly lock?: { readonly owner: string; readonly token: number; readonly acquiredAt: string; readonly expiresAt: string; readonly released: boolean; readonly held: boolean };
  readonly runningExecutions: readonly RunningExecution[];
  /** The newest of each kind: when, one line, and whether it records a problem (as `ferry report` exits 1). */
  readonly reports: { readonly [K in (typeof STATUS_REPORT_KINDS)[number]]: { readonly createdAt: string; readonly summary: string; readonly problem: boolean } | null };
  /** The newest ReplicationLagSeconds within LAG_WINDOW_MS. */
  readonly replicationLag: { readonly seconds: number; readonly at: string } | null;
  readonly verification: VerificationPosition | null;
}

export interface VerificationPosition {
  readonly status: VerificationRecord['status'];
  readonly captureId: string;
  readonly verifiedThrough: { readonly source: string; readonly target: string; readonly at: string; readonly ageSeconds: number } | null;
  readonly rounds: number;
  readonly unresolvedKeys: number;
  readonly tablesToCompare: number;
  readonly lost?: { readonly reason: string; readonly at: string };
}

export interface EnvironmentStatus {
  readonly environment: { readonly name: string; readonly account: string; readonly region: string; readonly stackName: string; readonly tableName: string };
  readonly migrations: readonly MigrationStatus[];
}

/** `ferry status`: each migration's phase, lock, running executions, reports, lag and verification position. */
export async function runStatus(options: StatusOptions, io: CliIo): Promise<number> {
  return withDeployedEnvironment(options, io, async (env) => {
    const status = await readStatus(env, selectMigrations(env, options.migration), io.now());
    io.out(options.json ? `${JSON.stringify(status, null, 2)}\n` : renderStatus(status, io.now()));
    return EXIT.ok;
  });
}

export async function readStatus(env: DeployedEnvironment, migrationIds: readonly string[], now: number): Promise<EnvironmentStatus> {
  const [executions, lags] = await Promise.all([runningExecutions(env), replicationLags(env, migrationIds, now)]);
  const migrations = await Promise.all(
    migrationIds.map(async (migrationId): Promise<MigrationStatus> => {
      const { store } = env.clients;
      const [state, lock, verification, reports] = await Promise.all([
        awsCall('dynamodb:GetItem', () => store.getState(migrationId)),
        awsCall('dynamodb:GetItem', () => store.getLock(migrationId)),
        awsCall('dynamodb:GetItem', () => store.getVerification(migrationId)),
        Promise.all(STATUS_REPORT_KINDS.map((kind) => awsCall('dynamodb:Query', () => store.latestReport(migrationId, kind)))),
      ]);
      return {
        migrationId,
        ...(state === undefined ? {} : { state: { phase: state.phase, version: state.version, updatedAt: state.updatedAt, reason: state.reason, history: state.history } }),
        ...(lock === undefined ? {} : { lock: lockOf(lock, now) }),
        runningExecutions: executions.filter((e) => e.migrationId === migrationId).map(({ migrationId: _, ...e }) => e),
        reports: Object.fromEntries(
          STATUS_REPORT_KINDS.map((kind, i) => {
            const stored = reports[i];
            return [kind, stored === undefined ? null : { createdAt: stored.createdAt, summary: summarizeReport(kind, stored.report), problem: reportRecordsProblem(kind, stored.report) }];
          }),
        ) as MigrationStatus['reports'],
        replicationLag: lags.get(migrationId) ?? null,
        verification: verification === undefined ? null : positionOf(verification, now),
      };
    }),
  );
  const { name, account, region, stackName, tableName } = env;
  return { environment: { name, account, region, stackName, tableName }, migrations };
}

const iso = (ms: number) => new Date(ms).toISOString();

function lockOf(lock: LockRecord, now: number): NonNullable<MigrationStatus['lock']> {
  return { owner: lock.owner, token: lock.token, acquiredAt: iso(lock.acquiredAt), expiresAt: iso(lock.expiresAt), released: lock.released, held: !lock.released && lock.expiresAt > now };
}

function positionOf(record: VerificationRecord, now: number): VerificationPosition {
  const through = record.verifiedThrough;
  return {
    status: record.status,
    captureId: record.captureId,
    verifiedThrough: through === undefined ? null : { source: through.source, target: through.target, at: iso(through.at), ageSeconds: Math.max(0, Math.round((now - through.at) / 1000)) },
    rounds: record.rounds,
    unresolvedKeys: record.unresolved.length,
    tablesToCompare: record.tablesToCompare.length,
    ...(record.lost === undefined ? {} : { lost: { reason: record.lost.reason, at: iso(record.lost.at) } }),
  };
}

/** The newest ReplicationLagSeconds of each migration, one GetMetricData for all. */
async function replicationLags(env: DeployedEnvironment, migrationIds: readonly string[], now: number): Promise<Map<string, { seconds: number; at: string }>> {
  const metric = METRICS.replicationLagSeconds;
  const dimensionsOf = (migrationId: string): DimensionsOf<typeof metric> & { service: string } => ({ migrationId, service: FERRY_SERVICE });
  const lags = new Map<string, { seconds: number; at: string }>();
  if (migrationIds.length === 0) return lags;
  const out = await awsCall('cloudwatch:GetMetricData', () =>
    env.clients.cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(now - LAG_WINDOW_MS),
        EndTime: new Date(now),
        ScanBy: 'TimestampDescending',
        MetricDataQueries: migrationIds.map((migrationId, i) => ({
          Id: `lag${i}`,
          MetricStat: {
            Metric: {
              Namespace: FERRY_NAMESPACE,
              MetricName: metric.name,
              Dimensions: Object.entries(dimensionsOf(migrationId)).map(([Name, Value]) => ({ Name, Value })),
            },
            Period: 60,
            Stat: 'Maximum',
          },
        })),
      }),
    ),
  );
  for (const result of out.MetricDataResults ?? []) {
    const i = Number(result.Id?.slice('lag'.length));
    const values = result.Values ?? [];
    const times = result.Timestamps ?? [];
    if (values.length === 0 || times.length === 0) continue;
    // Newest first (ScanBy), but do not rely on it.
    const newest = times.reduce((best, t, j) => (t.getTime() > times[best]!.getTime() ? j : best), 0);
    lags.set(migrationIds[i]!, { seconds: values[newest]!, at: times[newest]!.toISOString() });
  }
  return lags;
}

/** How long ago `at` was, for people: `45 s`, `12 min`, `3 h 5 min`. */
export function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 120) return `${min} min`;
  return `${Math.floor(min / 60)} h ${min % 60} min`;
}

export function renderStatus(status: EnvironmentStatus, now: number): string {
  const { environment: e } = status;
  const out: string[] = [`Environment ${e.name}: stack ${e.stackName}, account ${e.account}, region ${e.region}, table ${e.tableName}`];
  for (const m of status.migrations) out.push('', ...renderMigration(m, now));
  return `${out.join('\n')}\n`;
}

function renderMigration(m: MigrationStatus, now: number): string[] {
  const label = (text: string) => `  ${text.padEnd(14)}`;
  const more = ' '.repeat(16);
  const lines = [`Migration ${m.migrationId}`];
  if (m.state === undefined) lines.push(`${label('Phase')}not started (no state in the checkpoint table yet)`);
  else {
    const since = age(now - Date.parse(m.state.updatedAt));
    lines.push(`${label('Phase')}${m.state.phase} (version ${m.state.version}, for ${since}: ${m.state.reason})`);
    m.state.history.forEach((h, i) => lines.push(`${i === 0 ? label('History') : more}${h.at}  ${h.from} -> ${h.to}  ${h.reason}`));
  }
  if (m.lock === undefined) lines.push(`${label('Lock')}never taken`);
  else if (m.lock.held) lines.push(`${label('Lock')}held by ${m.lock.owner} (token ${m.lock.token}, since ${m.lock.acquiredAt}, expires ${m.lock.expiresAt})`);
  else if (m.lock.released) lines.push(`${label('Lock')}free (released by ${m.lock.owner}, token ${m.lock.token})`);
  else lines.push(`${label('Lock')}free (the lease of ${m.lock.owner}, token ${m.lock.token}, expired at ${m.lock.expiresAt})`);
  if (m.runningExecutions.length === 0) lines.push(`${label('Running')}no execution`);
  m.runningExecutions.forEach((x, i) => {
    lines.push(`${i === 0 ? label('Running') : more}${x.workflow} ${x.name}, for ${age(now - Date.parse(x.startedAt))}`);
    lines.push(`${more}  ${x.consoleUrl}`);
  });
  lines.push(`${label('Lag')}${m.replicationLag === null ? `no ReplicationLagSeconds in the last ${LAG_WINDOW_MS / 60_000} min` : `${m.replicationLag.seconds} s (at ${m.replicationLag.at})`}`);
  lines.push(`${label('Verification')}${renderPosition(m.verification)}`);
  const width = Math.max(...STATUS_REPORT_KINDS.map((k) => k.length));
  STATUS_REPORT_KINDS.forEach((kind, i) => {
    const r = m.reports[kind];
    lines.push(`${i === 0 ? label('Reports') : more}${kind.padEnd(width)}  ${r === null ? 'none' : `${r.createdAt}  ${r.summary}`}`);
  });
  return lines;
}

function renderPosition(v: VerificationPosition | null): string {
  if (v === null) return 'no capture yet';
  if (v.status === 'lost') return `capture ${v.captureId} LOST${v.lost ? ` at ${v.lost.at}: ${v.lost.reason}` : ''}`;
  const through = v.verifiedThrough === null ? 'nothing verified yet' : `verified through source ${v.verifiedThrough.source}, target ${v.verifiedThrough.target} (${age(v.verifiedThrough.ageSeconds * 1000)} ago)`;
  return `${v.status}, capture ${v.captureId}: ${through}; ${v.rounds} rounds, ${v.unresolvedKeys} unresolved keys, ${v.tablesToCompare} tables to compare whole`;
}
