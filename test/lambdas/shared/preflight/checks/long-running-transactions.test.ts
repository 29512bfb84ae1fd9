import { describe, expect, it } from 'vitest';
import { longRunningTransactions } from '../../../../../lambdas/shared/preflight/checks/long-running-transactions';
import { useFreshPairEachTest } from '../../../../helpers/database-pair';
import { asUser, contextOf, runCheck, useClients, useDatabases } from '../helpers';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('long-running-transactions', () => {
  const pair = useFreshPairEachTest();
  const connect = useClients();
  const open = useDatabases();

  it('is ok when no transaction is older than the threshold', async () => {

    const result = await runCheck(longRunningTransactions, contextOf(pair));

    expect(result).toMatchObject({ severity: 'ok', objects: [] });
    expect(result.message).toBe('No transaction on the source has been open longer than 5 min 0 s.');
  });

  it('is a warning naming pid, user, state and age of a transaction open longer than the threshold', async () => {
    const app = await connect({ connectionString: pair.sourceUrl, application_name: 'billing-batch' });
    await app.query('begin');
    await app.query('select pg_catalog.txid_current()');
    const [{ pid }] = (await app.query<{ pid: number }>('select pg_backend_pid() as pid')).rows as [{ pid: number }];
    await sleep(1100);

    const result = await runCheck(longRunningTransactions, contextOf(pair, { longTransactionSeconds: 1 }));
    const withDefault = await runCheck(longRunningTransactions, contextOf(pair));
    await app.query('rollback');

    expect(result).toMatchObject({ severity: 'warning', objects: [`pid ${pid}`] });
    expect(result.message).toMatch(new RegExp(`pid ${pid} \\(user postgres, database t\\d+, application billing-batch, idle in transaction, open 1 s\\)`));
    expect(result.message).toContain('Creating the replication slot waits until every transaction open at that moment has ended');
    expect(withDefault.severity).toBe('ok');
  });

  it('says so (info) when the user may not see other sessions', async () => {
    await pair.sourceSql("create role watcher login password 'watcher-pw'");
    const other = await connect({ connectionString: pair.sourceUrl });
    await other.query('select 1');
    const watcher = open(asUser(pair.sourceUrl, 'watcher', 'watcher-pw'));

    const result = await runCheck(longRunningTransactions, contextOf({ source: watcher, target: pair.target }));

    expect(result.severity).toBe('info');
    expect(result.message).toMatch(/\d+ sessions? of other users could not be inspected; grant pg_read_all_stats/);
  });
});
