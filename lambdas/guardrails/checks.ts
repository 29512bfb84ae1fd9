import { COMPARISON_SUMMARY_KIND, type ComparisonSummaryReport } from '../comparison-verdict/verdict';
import type { MigrationState } from '../shared/checkpoints';
import type { StoredReport } from '../shared/checkpoints';
import type { MigrationConfig } from '../shared/migration-config';
import type { Database } from '../shared/pg/connection';
import type { ReplicationEngine } from '../shared/replication/engine';

export interface GuardrailResult {
  readonly id: string;
  readonly passed: boolean;
  readonly message: string;
}

/** What the guardrails look at, read once. */
export interface GuardrailFacts {
  readonly migration: MigrationConfig;
  readonly state: MigrationState | undefined;
  readonly comparison: StoredReport<ComparisonSummaryReport> | undefined;
  readonly now: number;
  readonly source: Database;
  readonly engine: ReplicationEngine;
}

type Guardrail = (facts: GuardrailFacts) => Promise<GuardrailResult>;

const result = (id: string, passed: boolean, message: string): GuardrailResult => ({ id, passed, message });

const phaseReady: Guardrail = async ({ state }) =>
  result('phase-ready', state?.phase === 'ready', `the migration is in phase "${state?.phase ?? 'new'}"${state?.phase === 'ready' ? '' : '; run the migrate workflow until it reports "ready"'}`);

const comparisonPassed: Guardrail = async ({ comparison }) =>
  comparison === undefined
    ? result('comparison-passed', false, `no ${COMPARISON_SUMMARY_KIND} report: run the migrate workflow`)
    : result('comparison-passed', comparison.report.equal, comparison.report.equal ? `every table compared equal (run ${comparison.report.runId})` : `the last comparison found differences (run ${comparison.report.runId})`);

const comparisonRecent: Guardrail = async ({ comparison, migration, now }) => {
  const limit = migration.thresholds.maxComparisonAgeMinutes;
  if (comparison === undefined) return result('comparison-recent', false, 'no comparison yet');
  const ageMinutes = (now - Date.parse(comparison.report.completedAt)) / 60_000;
  return result(
    'comparison-recent',
    ageMinutes <= limit,
    `the last comparison is ${ageMinutes.toFixed(1)} minutes old (at most ${limit})${ageMinutes <= limit ? '' : ': run the migrate workflow again to refresh it'}`,
  );
};

const replicationLag: Guardrail = async ({ engine, migration }) => {
  const limit = migration.thresholds.maxLagSecondsForCutover;
  try {
    const { seconds } = await engine.lag();
    return result('replication-lag', seconds <= limit, `replication lag is ${seconds.toFixed(1)} s (at most ${limit} s)`);
  } catch (error) {
    return result('replication-lag', false, `replication lag is unknown: ${(error as Error).message}`);
  }
};

const replicationHealthy: Guardrail = async ({ engine }) => {
  const status = await engine.status();
  return result(
    'replication-healthy',
    status.state === 'cdc',
    status.state === 'cdc' ? 'replication streams changes' : `replication is ${status.state}${'cause' in status ? `: ${status.cause}` : 'detail' in status ? `: ${status.detail}` : ''}`,
  );
};

/**
 * A transaction open longer than the freeze may last would make the freeze end it (terminate) or
 * outwait the freeze (wait). Ferry's own sessions and walsenders do not count.
 */
const noLongTransactions: Guardrail = async ({ source, migration }) => {
  const limit = migration.thresholds.maxWriteFreezeSeconds;
  const rows = await source.query<{ pid: number; usename: string | null; seconds: number }>(
    `select pid, usename, extract(epoch from now() - xact_start)::float8 as seconds from pg_stat_activity
      where datname = current_database() and xact_start < now() - make_interval(secs => $1) and backend_type = 'client backend'
        and usename is distinct from current_user and pid <> pg_backend_pid()
      order by xact_start limit 10`,
    [limit],
  );
  return result(
    'long-running-transactions',
    rows.length === 0,
    rows.length === 0
      ? `no transaction on the source is open longer than ${limit} s`
      : `transactions open longer than ${limit} s: ${rows.map((r) => `pid ${r.pid} (${r.usename ?? '?'}, ${Math.round(r.seconds)} s)`).join(', ')}`,
  );
};

/** In the order they are reported. */
export const GUARDRAILS: ReadonlyArray<readonly [string, Guardrail]> = [
  ['phase-ready', phaseReady],
  ['comparison-passed', comparisonPassed],
  ['comparison-recent', comparisonRecent],
  ['replication-healthy', replicationHealthy],
  ['replication-lag', replicationLag],
  ['long-running-transactions', noLongTransactions],
];
