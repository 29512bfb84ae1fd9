import type { Database } from '../../pg/connection';
import { PREFLIGHT_DEFAULTS, type CheckOutcome, type PreflightCheck } from '../check';
import { count, formatDuration, listNames, sentences } from '../text';

export interface OpenTransaction {
  readonly pid: number;
  readonly user: string | null;
  readonly database: string | null;
  readonly application: string | null;
  readonly state: string | null;
  readonly ageSeconds: number;
}

export interface LongTransactions {
  readonly thresholdSeconds: number;
  readonly transactions: readonly OpenTransaction[];
  /** Sessions of other roles whose details this user may not see (no pg_read_all_stats). */
  readonly hiddenSessions: number;
}

export function longRunningTransactionsResult(found: LongTransactions): CheckOutcome {
  const { transactions, thresholdSeconds, hiddenSessions } = found;
  const hidden =
    hiddenSessions > 0 &&
    `${count(hiddenSessions, 'session')} of other users could not be inspected; grant pg_read_all_stats (RDS: pg_monitor) to the migration user so preflight sees every transaction.`;
  if (transactions.length > 0) {
    const described = transactions.map(
      (t) =>
        `pid ${t.pid} (user ${t.user ?? '?'}, database ${t.database ?? '?'}${t.application ? `, application ${t.application}` : ''}, ${t.state ?? 'state unknown'}, open ${formatDuration(t.ageSeconds)})`,
    );
    return {
      severity: 'warning',
      message: sentences(
        `${count(transactions.length, 'transaction')} on the source ${transactions.length === 1 ? 'has' : 'have'} been open longer than ${formatDuration(thresholdSeconds)}: ${listNames(described)}.`,
        'Creating the replication slot waits until every transaction open at that moment has ended, so the start hangs for as long as they stay open.',
        'Let them finish, or end them (SELECT pg_cancel_backend(<pid>), or pg_terminate_backend(<pid>) for idle ones), before starting.',
        hidden,
      ),
      objects: transactions.map((t) => `pid ${t.pid}`),
    };
  }
  if (hidden) return { severity: 'info', message: sentences(`No visible transaction on the source is older than ${formatDuration(thresholdSeconds)}.`, hidden), objects: [] };
  return { severity: 'ok', message: `No transaction on the source has been open longer than ${formatDuration(thresholdSeconds)}.`, objects: [] };
}

/**
 * Every database of the server counts: a logical slot waits for the transactions of the whole
 * cluster. Without pg_read_all_stats another role's session shows only its user (no backend type,
 * no times): those are counted as hidden.
 */
export async function readLongTransactions(db: Database, thresholdSeconds: number): Promise<LongTransactions> {
  const [transactions, [hidden]] = await Promise.all([
    db.query<OpenTransaction>(
      `select pid, usename::text as "user", datname::text as database, nullif(application_name, '') as application, state,
              floor(extract(epoch from pg_catalog.now() - xact_start))::int as "ageSeconds"
         from pg_catalog.pg_stat_activity
        where backend_type = 'client backend' and pid <> pg_catalog.pg_backend_pid()
          and xact_start < pg_catalog.now() - pg_catalog.make_interval(secs => $1)
        order by xact_start`,
      [thresholdSeconds],
    ),
    db.query<{ hidden: number }>(
      `select count(*)::int as hidden from pg_catalog.pg_stat_activity
        where usename is not null and query = '<insufficient privilege>'`,
    ),
  ]);
  return { thresholdSeconds, transactions, hiddenSessions: hidden?.hidden ?? 0 };
}

export const longRunningTransactions: PreflightCheck = {
  id: 'long-running-transactions',
  title: 'Transactions open on the source longer than longTransactionSeconds (slot creation waits for them)',
  databases: ['source'],
  run: async (ctx) => longRunningTransactionsResult(await readLongTransactions(ctx.source, ctx.longTransactionSeconds ?? PREFLIGHT_DEFAULTS.longTransactionSeconds)),
};
