import type { Database } from '../../pg/connection';
import type { CheckOutcome, PreflightCheck } from '../check';
import { count, formatDuration, listNames, sentences } from '../text';

export interface PreparedTransaction {
  readonly gid: string;
  readonly owner: string;
  readonly database: string;
  readonly ageSeconds: number;
}

export function preparedTransactionsResult(prepared: readonly PreparedTransaction[]): CheckOutcome {
  if (prepared.length === 0) return { severity: 'ok', message: 'No prepared (two-phase) transaction is pending on the source.', objects: [] };
  const described = prepared.map((p) => `'${p.gid}' (owner ${p.owner}, database ${p.database}, prepared ${formatDuration(p.ageSeconds)} ago)`);
  return {
    severity: 'error',
    message: sentences(
      `${count(prepared.length, 'prepared transaction')} ${prepared.length === 1 ? 'is' : 'are'} pending on the source: ${listNames(described)}.`,
      'Creating the replication slot waits until they are committed or rolled back, which may be never; they also hold locks and stop VACUUM.',
      "Ask their owner (usually a transaction manager) to finish them, or finish them yourself in their database: COMMIT PREPARED '<gid>' or ROLLBACK PREPARED '<gid>'.",
    ),
    objects: prepared.map((p) => p.gid),
  };
}

export async function readPreparedTransactions(db: Database): Promise<PreparedTransaction[]> {
  return db.query<PreparedTransaction>(
    `select gid, owner::text as owner, database::text as database, floor(extract(epoch from pg_catalog.now() - prepared))::int as "ageSeconds"
       from pg_catalog.pg_prepared_xacts order by prepared`,
  );
}

export const preparedTransactions: PreflightCheck = {
  id: 'prepared-transactions',
  title: 'Pending prepared (two-phase) transactions on the source (slot creation blocks on them)',
  databases: ['source'],
  run: async (ctx) => preparedTransactionsResult(await readPreparedTransactions(ctx.source)),
};
