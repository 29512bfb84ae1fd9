import type { GuardrailResult } from '../shared/catalog/reports';
import type { FreezeRecord, MigrationState, VerificationRecord } from '../shared/checkpoints';
import type { StoredReport } from '../shared/checkpoints';
import { COMPARISON_SUMMARY_KIND, type ComparisonSummaryReport } from '../shared/comparison/summary';
import type { MigrationConfig } from '../shared/migration-config';
import type { Database } from '../shared/pg/connection';
import type { ReplicationEngine } from '../shared/replication/engine';
import type { Switch } from '../shared/switch/switch';
import { indexesReady } from './indexes';
import { rolesReady } from './roles';
import { switchReady } from './switch-ready';

export type { GuardrailResult };

/** What the guardrails look at, read once. */
export interface GuardrailFacts {
  readonly migration: MigrationConfig;
  readonly state: MigrationState | undefined;
  readonly comparison: StoredReport<ComparisonSummaryReport> | undefined;
  /** The migration's change capture and verification (the VERIFY item). */
  readonly verification?: VerificationRecord | undefined;
  readonly now: number;
  readonly source: Database;
  readonly target: Database;
  readonly engine: ReplicationEngine;
  /** Opens the migration's switch (what the clients read their database from); only switch-ready does. */
  readonly openSwitch: () => Promise<Switch>;
  /** Each side's write freeze as stored (FREEZE#<side>), when there is one: what a thaw gives back. */
  readonly freezes?: { readonly source?: FreezeRecord | undefined; readonly target?: FreezeRecord | undefined };
}

type Guardrail = (facts: GuardrailFacts) => Promise<GuardrailResult>;

const result = (id: string, passed: boolean, message: string): GuardrailResult => ({ id, passed, message });

const phaseReady: Guardrail = async ({ state }) =>
  result('phase-ready', state?.phase === 'ready', `the migration is in phase "${state?.phase ?? 'new'}"${state?.phase === 'ready' ? '' : '; run the migrate workflow until it reports "ready"'}`);

const comparisonPassed: Guardrail = async ({ comparison, now }) => {
  if (comparison === undefined) return result('comparison-passed', false, `no ${COMPARISON_SUMMARY_KIND} report: run the migrate workflow`);
  const r = comparison.report;
  const age = `finished ${r.completedAt}, ${((now - Date.parse(r.completedAt)) / 60_000).toFixed(1)} minutes ago`;
  return result('comparison-passed', r.equal, r.equal ? `every table compared equal (run ${r.runId}, ${age})` : `the last comparison found differences (run ${r.runId}, ${age})`);
};

/**
 * The proof is current: a full comparison that began after change capture did passed, nothing it
 * or a verification round found is unresolved, and every change up to at most
 * verification.maxAgeSeconds ago has been verified. Rows that changed again while a round compared
 * them (suspects) do not block: the final check compares them with writes frozen.
 */
export function verificationCurrent({ verification: v, migration, now }: { readonly verification?: VerificationRecord | undefined; readonly migration: MigrationConfig; readonly now: number }): GuardrailResult {
  const id = 'verification-current';
  const restart = `start the migrate workflow with {"migrationId": "${migration.id}", "restart": true} (a new capture and a full comparison)`;
  if (v === undefined) return result(id, false, `no change capture: run the migrate workflow (it starts capturing changes before its full comparison)`);
  if (v.status !== 'capturing') return result(id, false, `change capture is ${v.status}${v.lost ? ` (${v.lost.reason})` : ''}: nothing since can be proven; ${restart}`);
  const full = v.fullComparison;
  if (full === undefined || !full.runId.endsWith(`:${v.captureId}`) || full.startedAt < v.startedAt) {
    return result(id, false, `no full comparison has run since change capture began (${new Date(v.startedAt).toISOString()}): run the migrate workflow`);
  }
  if (!full.equal) return result(id, false, `the full comparison under this capture found differences: fix them, then ${restart}`);
  const differences = v.unresolved.filter((u) => u.status === 'difference');
  if (differences.length > 0) {
    const shown = differences.slice(0, 5).map((u) => `${u.table} (${u.key.join(', ')})`).join(', ');
    return result(id, false, `${differences.length} row(s) differ after replication caught up: ${shown}${differences.length > 5 ? ', ...' : ''} (see the 'verification' reports)`);
  }
  if (v.tablesToCompare.length > 0) {
    return result(id, false, `table(s) waiting for a whole comparison by the verification rounds: ${v.tablesToCompare.map((t) => `${t.table} (${t.reason})`).join('; ')}`);
  }
  const limit = migration.verification.maxAgeSeconds;
  if (v.verifiedThrough === undefined) return result(id, false, 'no verification round has run yet since the full comparison: wait a minute for the schedule');
  const age = (now - v.verifiedThrough.at) / 1000;
  const suspects = v.unresolved.length;
  const comparedAgo = ((now - full.finishedAt) / 60_000).toFixed(1);
  return result(
    id,
    age <= limit,
    `every change up to ${age.toFixed(0)} s ago is verified (at most ${limit} s; full comparison finished ${comparedAgo} minutes ago, ${v.rounds} rounds since capture began)` +
      (suspects > 0 ? `; ${suspects} row(s) changed again while compared and are checked with writes frozen` : '') +
      (age <= limit ? '' : ': verification rounds are behind or not running; check the verify-changes function and its VerificationAgeSeconds metric'),
  );
}

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
  ['verification-current', async (facts) => verificationCurrent(facts)],
  ['replication-healthy', replicationHealthy],
  ['replication-lag', replicationLag],
  ['long-running-transactions', noLongTransactions],
  ['indexes-ready', async ({ migration, source, target }) => ({ id: 'indexes-ready', ...(await indexesReady(migration, { source, target })) })],
  ['roles-ready', async ({ migration, source, target, freezes }) => ({ id: 'roles-ready', ...(await rolesReady(migration, { source, target }, freezes)) })],
  ['switch-ready', async ({ migration, openSwitch }) => ({ id: 'switch-ready', ...(await switchReady(migration, openSwitch)) })],
];
