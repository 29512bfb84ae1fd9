import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { walSenders } from '../../../../../lambdas/shared/preflight/checks/wal-senders';
import { ferrySlotNames } from '../../../../../lambdas/shared/preflight/ferry-slots';
import { usePostgres } from '../../../../helpers/postgres';
import { contextOf, parallelCopiesSentence, runCheck, sql, useClients, useDatabases, withServerSetting } from '../helpers';

describe('wal-senders', () => {
  const tight = usePostgres({ settings: { max_wal_senders: '2' } });
  const roomy = usePostgres();
  const open = useDatabases();
  const connect = useClients();

  const walSendersOf = async (url: string) => (await sql(url, 'select count(*)::int as n from pg_catalog.pg_stat_replication')).rows[0].n as number;

  /** Ends the clients and waits until their WAL senders have gone, so the next test starts from none. */
  async function release(url: string, clients: pg.Client[]): Promise<void> {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    await expect.poll(() => walSendersOf(url)).toBe(0);
  }

  /** Two replication connections, as a streaming standby or another replication would hold. */
  async function holdBothWalSenders(url: string): Promise<pg.Client[]> {
    return Promise.all([1, 2].map(() => connect({ connectionString: url, replication: 'database' } as never)));
  }

  it('is ok when enough WAL senders are free on the source for the engine (DMS needs one) and on the target for the reverse replication, and says change capture takes none', async () => {
    const ctx = contextOf({ source: open(tight.url), target: open(roomy.url, 'target database') }, { engine: 'dms' });

    const result = await runCheck(walSenders, ctx);

    expect(result).toMatchObject({ severity: 'ok', objects: [] });
    expect(result.message).toBe(
      'The source has 2 of max_wal_senders = 2 free (0 in use); the replication needs 1 (1 for the DMS task). ' +
        'The target has 10 of max_wal_senders = 10 free (0 in use); the reverse replication needs 1 at cutover. ' +
        'Change capture takes no WAL sender on either database: it reads its slots through SQL from ordinary sessions.',
    );
  });

  it("counts one WAL sender per parallel initial copy for native replication, as many as the target's max_sync_workers_per_subscription allows", async () => {
    const ctx = contextOf({ source: open(tight.url), target: open(roomy.url, 'target database') });

    // PostgreSQL's default: 2 tables at a time, so 3 WAL senders with the subscription's.
    const copiesTwo = await runCheck(walSenders, ctx);
    // The operator lowers it in the target server's parameters.
    const copiesOne = await withServerSetting(roomy.url, 'max_sync_workers_per_subscription', '1', () => runCheck(walSenders, ctx));

    expect(copiesTwo).toMatchObject({ severity: 'error', objects: ['source:max_wal_senders'] });
    expect(copiesTwo.message).toContain(
      'The source has 2 of max_wal_senders = 2 free (0 in use); the replication needs 3 (1 for the subscription and 2 for the parallel initial copies (each table being copied holds a temporary one)). ' +
        'Raise max_wal_senders on the source to at least 3',
    );
    expect(copiesTwo.message).toContain(parallelCopiesSentence(2));
    expect(copiesOne).toMatchObject({ severity: 'ok', objects: [] });
    expect(copiesOne.message).toContain('the replication needs 2 (1 for the subscription and 1 for the parallel initial copies');
    expect(copiesOne.message).toContain(parallelCopiesSentence(1));
  });

  it('is an error when the running WAL senders leave too few free on the source', async () => {
    const held = await holdBothWalSenders(tight.url);
    try {
      const result = await runCheck(walSenders, contextOf({ source: open(tight.url), target: open(roomy.url, 'target database') }, { engine: 'dms' }));

      expect(result).toMatchObject({ severity: 'error', objects: ['source:max_wal_senders'] });
      expect(result.message).toContain('The source has 0 of max_wal_senders = 2 free (2 in use); the replication needs 1');
      expect(result.message).toContain('Raise max_wal_senders on the source to at least 3');
    } finally {
      await release(tight.url, held);
    }
  });

  it('is a warning, not an error, when the target has no WAL sender free for the reverse replication (needed only at cutover)', async () => {
    const held = await holdBothWalSenders(tight.url);
    try {
      const result = await runCheck(walSenders, contextOf({ source: open(roomy.url), target: open(tight.url, 'target database') }, { engine: 'dms' }));

      expect(result).toMatchObject({ severity: 'warning', objects: ['target:max_wal_senders'] });
      expect(result.message).toContain('The target has 0 of max_wal_senders = 2 free (2 in use); the reverse replication needs 1 at cutover.');
      expect(result.message).toContain('The migration can start, but before cutover raise max_wal_senders on the target to at least 3');
    } finally {
      await release(tight.url, held);
    }
  });

  it("counts the WAL sender that this migration's own replication already holds (a re-run) as free for it", async () => {
    const slots = ferrySlotNames('orders', 'dms');
    const other = await connect({ connectionString: tight.url, replication: 'database' } as never);
    // The reverse replication streams its slot on the target, as after a cutover.
    await sql(tight.url, `select pg_create_logical_replication_slot($1, 'test_decoding')`, [slots.target.reverse]);
    const streaming = await connect({ connectionString: tight.url, replication: 'database' } as never);
    streaming.on('error', () => undefined);
    void streaming.query(`START_REPLICATION SLOT ${slots.target.reverse} LOGICAL 0/0`).catch(() => undefined);
    try {
      await expect.poll(() => walSendersOf(tight.url)).toBe(2);
      const ctx = contextOf({ source: open(roomy.url), target: open(tight.url, 'target database') }, { engine: 'dms' });

      const named = await runCheck(walSenders, { ...ctx, ferrySlots: slots });
      const unnamed = await runCheck(walSenders, ctx);

      expect(named).toMatchObject({ severity: 'ok', objects: [] });
      expect(named.message).toContain("The target has 1 of max_wal_senders = 2 free (2 in use, 1 of them by this migration's own replication, free for it)");
      expect(unnamed).toMatchObject({ severity: 'warning', objects: ['target:max_wal_senders'] });
    } finally {
      await release(tight.url, [other, streaming]);
      await sql(tight.url, 'select pg_drop_replication_slot($1)', [slots.target.reverse]);
    }
  });
});
