import { describe, expect, it } from 'vitest';
import { subscriptionWorkers, subscriptionWorkersResult, type WorkerCapacity } from '../../../../../lambdas/shared/preflight/checks/subscription-workers';
import { usePostgres } from '../../../../helpers/postgres';
import { contextOf, parallelCopiesSentence, runCheck, useDatabases, withServerSetting } from '../helpers';

describe('subscription-workers', () => {
  const roomy = usePostgres();
  const tight = usePostgres({ settings: { max_logical_replication_workers: '1', max_sync_workers_per_subscription: '3' } });
  const open = useDatabases();

  it("is ok when the target has workers and origins for the apply worker and each table-sync worker its max_sync_workers_per_subscription allows", async () => {
    // PostgreSQL's defaults: 4 logical replication workers, 2 table-sync workers per subscription.
    const result = await runCheck(subscriptionWorkers, contextOf({ source: open(roomy.url), target: open(roomy.url, 'target database') }));

    expect(result).toMatchObject({ severity: 'ok', objects: [] });
    expect(result.message).toBe(
      'The target can run the subscription: 4 logical replication workers and 10 replication origins free, 3 needed (1 apply worker and 2 table-sync workers). ' +
        parallelCopiesSentence(2),
    );
  });

  it('is an error when the target has no worker left for a table-sync worker beside the apply worker', async () => {
    const result = await runCheck(subscriptionWorkers, contextOf({ source: open(roomy.url), target: open(tight.url, 'target database') }));

    expect(result).toMatchObject({ severity: 'error', objects: ['max_logical_replication_workers'] });
    expect(result.message).toContain(
      'The target has 1 of max_logical_replication_workers = 1 free; the subscription needs at least 2 (1 apply worker and 1 table-sync worker), 4 to copy 3 table(s) at a time. Raise max_logical_replication_workers to at least 4',
    );
    expect(result.message).toContain(parallelCopiesSentence(3));
  });

  it("warns that fewer tables are copied at a time when the workers free are fewer than the target's max_sync_workers_per_subscription asks", async () => {
    // The operator raises the parallel copies in the server's parameters, past what the workers allow.
    const result = await withServerSetting(roomy.url, 'max_sync_workers_per_subscription', '4', () =>
      runCheck(subscriptionWorkers, contextOf({ source: open(roomy.url), target: open(roomy.url, 'target database') })),
    );

    expect(result).toMatchObject({ severity: 'warning', objects: ['max_logical_replication_workers'] });
    expect(result.message).toContain(
      'The target has 4 of max_logical_replication_workers = 4 free, so the initial copy runs 3 table(s) at a time instead of max_sync_workers_per_subscription = 4. ' +
        'Raise max_logical_replication_workers to at least 5 (it takes a restart; RDS: DB parameter group, then reboot), or lower max_sync_workers_per_subscription.',
    );
    expect(result.message).toContain(parallelCopiesSentence(4));
  });

  it('is an error when max_sync_workers_per_subscription is 0: the subscription would copy no table', () => {
    const capacity: WorkerCapacity = {
      maxLogicalReplicationWorkers: 4,
      maxWorkerProcesses: 8,
      maxSyncWorkersPerSubscription: 0,
      originsSetting: 'max_replication_slots',
      maxOrigins: 10,
      workersInUse: 0,
      originsInUse: 0,
    };

    const result = subscriptionWorkersResult(capacity);

    expect(result).toMatchObject({ severity: 'error', objects: ['max_sync_workers_per_subscription'] });
    expect(result.message).toContain("max_sync_workers_per_subscription = 0 on the target, so the subscription copies no table. Set it to at least 1 in the server's parameters (RDS: parameter group, no reboot).");
  });

  it('applies to the native engine only', () => {
    expect(subscriptionWorkers.engines).toEqual(['native']);
  });
});
