import { describe, expect, it } from 'vitest';
import { subscriptionWorkers } from '../../../../lambdas/preflight/checks/subscription-workers';
import { usePostgres } from '../../../helpers/postgres';
import { contextOf, runCheck, useDatabases } from '../helpers';

describe('subscription-workers', () => {
  const roomy = usePostgres();
  const tight = usePostgres({ settings: { max_logical_replication_workers: '2', max_sync_workers_per_subscription: '1' } });
  const open = useDatabases();

  it('is ok when the target has workers and origins for the apply worker and each table-sync worker', async () => {
    const result = await runCheck(subscriptionWorkers, contextOf({ source: open(roomy.url), target: open(roomy.url, 'target database') }, { syncWorkers: 2 }));

    expect(result).toMatchObject({ severity: 'ok', objects: [] });
    expect(result.message).toContain('4 logical replication workers and 10 replication origins free, 3 needed');
  });

  it('is an error when max_logical_replication_workers is too low, and warns about fewer parallel copies', async () => {
    const result = await runCheck(subscriptionWorkers, contextOf({ source: open(roomy.url), target: open(tight.url, 'target database') }, { syncWorkers: 2 }));

    expect(result).toMatchObject({ severity: 'error', objects: ['max_logical_replication_workers', 'max_sync_workers_per_subscription'] });
    expect(result.message).toContain('The target has 2 of max_logical_replication_workers = 2 free; the subscription needs 3');
    expect(result.message).toContain('the initial copy runs 1 table(s) at a time instead of syncWorkers = 2');
  });

  it('applies to the native engine only', () => {
    expect(subscriptionWorkers.engines).toEqual(['native']);
  });
});
