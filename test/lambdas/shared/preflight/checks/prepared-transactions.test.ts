import { describe, expect, it } from 'vitest';
import { preparedTransactions } from '../../../../../lambdas/shared/preflight/checks/prepared-transactions';
import { usePostgres } from '../../../../helpers/postgres';
import { contextOf, runCheck, sql, useDatabases } from '../helpers';

describe('prepared-transactions', () => {
  const server = usePostgres({ settings: { max_prepared_transactions: '2' } });
  const open = useDatabases();

  it('is ok when no prepared transaction is pending', async () => {
    const result = await runCheck(preparedTransactions, contextOf({ source: open(server.url), target: open(server.url, 'target database') }));

    expect(result).toMatchObject({ severity: 'ok', objects: [] });
  });

  it('is an error naming gid, owner and database of a pending prepared transaction, and how to end it', async () => {
    await sql(server.url, "create table if not exists ledger (id int); begin; insert into ledger values (1); prepare transaction 'tm-4711'");
    try {
      const result = await runCheck(preparedTransactions, contextOf({ source: open(server.url), target: open(server.url, 'target database') }));

      expect(result).toMatchObject({ severity: 'error', objects: ['tm-4711'] });
      expect(result.message).toMatch(/1 prepared transaction is pending on the source: 'tm-4711' \(owner postgres, database postgres, prepared \d+ s ago\)/);
      expect(result.message).toContain("COMMIT PREPARED '<gid>' or ROLLBACK PREPARED '<gid>'");
    } finally {
      await sql(server.url, "rollback prepared 'tm-4711'");
    }
  });
});
