import { describe, expect, it } from 'vitest';
import { readServerSlots, replicationSlots, replicationSlotsResult, type ServerSlots } from '../../../../../lambdas/shared/preflight/checks/replication-slots';
import { ferrySlotNames } from '../../../../../lambdas/shared/preflight/ferry-slots';
import { slotUses } from '../../../../../lambdas/shared/preflight/needs';
import { usePostgres } from '../../../../helpers/postgres';
import { contextOf, parallelCopiesSentence, runCheck, sql, useDatabases, withServerSetting } from '../helpers';

const ORDERS_SLOTS = ferrySlotNames('orders', 'native');

describe('replication-slots', () => {
  const roomy = usePostgres();
  const tight = usePostgres({ settings: { max_replication_slots: '3', max_sync_workers_per_subscription: '4' } });
  const open = useDatabases();

  it("is ok when the source has slots for the replication, each parallel table copy (the target's max_sync_workers_per_subscription) and change capture, and the target for change capture and the reverse replication", async () => {
    // The target server copies up to 4 tables at a time (max_sync_workers_per_subscription = 4).
    const result = await runCheck(replicationSlots, contextOf({ source: open(roomy.url), target: open(tight.url, 'target database') }, { ferrySlots: ORDERS_SLOTS }));

    expect(result).toMatchObject({ severity: 'ok', objects: [] });
    expect(result.message).toBe(
      'The source has 10 of max_replication_slots = 10 free; Ferry needs 6 there (1 for the subscription, 4 for the parallel initial copies (each table being copied holds a temporary one) and 1 for change capture). ' +
        'The target has 3 of max_replication_slots = 3 free; Ferry needs 2 there (1 for change capture and 1 for the reverse replication at cutover). ' +
        parallelCopiesSentence(4),
    );
  });

  it('is an error when too few slots are free on the source, naming the database, the setting and the slots that hold them', async () => {
    await sql(tight.url, "select pg_create_physical_replication_slot('forgotten_standby')");
    try {
      // The target copies 2 tables at a time (PostgreSQL's default max_sync_workers_per_subscription).
      const ctx = contextOf({ source: open(tight.url), target: open(roomy.url, 'target database') });

      const native = await runCheck(replicationSlots, ctx);
      const dms = await runCheck(replicationSlots, { ...ctx, engine: 'dms' });

      expect(native).toMatchObject({ severity: 'error', objects: ['source:max_replication_slots', 'source:forgotten_standby'] });
      expect(native.message).toContain('The source has 2 of max_replication_slots = 3 free; Ferry needs 4 there');
      expect(native.message).toContain('Raise max_replication_slots on the source to at least 5');
      expect(native.message).toContain('1 slot is inactive and keeps WAL on the source disk: forgotten_standby.');
      expect(native.message).toContain('The target has 10 of max_replication_slots = 10 free');
      expect(native.message).toContain(parallelCopiesSentence(2));
      // DMS needs one slot and change capture one: enough room, but the inactive slot is still worth a look.
      expect(dms).toMatchObject({ severity: 'info', objects: ['source:forgotten_standby'] });
      expect(dms.message).not.toContain('Parallel initial copies');
    } finally {
      await sql(tight.url, "select pg_drop_replication_slot('forgotten_standby')");
    }
  });

  it("does not count again, nor call forgotten, the slots this migration already made (a re-run)", async () => {
    // A re-run: the capture slots, the subscription's slot and the reverse slot exist already.
    await sql(tight.url, `select pg_create_logical_replication_slot(name, 'test_decoding') from unnest($1::text[]) name`, [[ORDERS_SLOTS.source.capture, ORDERS_SLOTS.source.replication]]);
    await sql(roomy.url, `select pg_create_logical_replication_slot(name, 'test_decoding') from unnest($1::text[]) name`, [[ORDERS_SLOTS.target.capture, ORDERS_SLOTS.target.reverse]]);
    try {
      const ctx = contextOf({ source: open(tight.url), target: open(roomy.url, 'target database') });

      // The target copies one table at a time.
      const [named, unnamed] = await withServerSetting(roomy.url, 'max_sync_workers_per_subscription', '1', async () => [
        await runCheck(replicationSlots, { ...ctx, ferrySlots: ORDERS_SLOTS }),
        await runCheck(replicationSlots, ctx),
      ]);

      expect(named).toMatchObject({ severity: 'ok', objects: [] });
      expect(named.message).toBe(
        'The source has 1 of max_replication_slots = 3 free; Ferry needs 1 more there (1 for the parallel initial copies (each table being copied holds a temporary one)); ferry_capture_orders_source and ferry_orders are there already from an earlier run of this migration. ' +
          'The target has 8 of max_replication_slots = 10 free; Ferry needs none more there; ferry_capture_orders_target and ferry_orders_reverse are there already from an earlier run of this migration. ' +
          parallelCopiesSentence(1),
      );
      // Without the migration's slot names the same slots are strangers: in the way, and inactive.
      expect(unnamed).toMatchObject({ severity: 'error', objects: ['source:max_replication_slots', 'source:ferry_capture_orders_source', 'source:ferry_orders', 'target:ferry_capture_orders_target', 'target:ferry_orders_reverse'] });
    } finally {
      await sql(tight.url, `select pg_drop_replication_slot(slot_name) from pg_replication_slots`);
      await sql(roomy.url, `select pg_drop_replication_slot(slot_name) from pg_replication_slots`);
    }
  });

  it('tells two databases on one server from two servers, and on one server counts the source before the target', async () => {
    const [one, same, other] = await Promise.all([readServerSlots(open(tight.url)), readServerSlots(open(tight.url)), readServerSlots(open(roomy.url))]);
    const ctx = { engine: 'native' as const, parallelCopies: 1, ferrySlots: ORDERS_SLOTS };
    const uses = { source: slotUses(ctx, 'source'), target: slotUses(ctx, 'target') };

    const result = replicationSlotsResult(uses, { source: one, target: same });

    expect(one.server).toBeDefined();
    expect(same.server).toBe(one.server);
    expect(other.server).not.toBe(one.server);
    // 3 slots: the source takes all of them, so the target has none for its change capture.
    expect(result).toMatchObject({ severity: 'error', objects: ['target:max_replication_slots'] });
    expect(result.message).toContain("The target has 0 of max_replication_slots = 3 free once the source's 3 are taken (both databases are on one server); Ferry needs 2 there");
    expect(result.message).toContain('Raise max_replication_slots on the target to at least 5');
  });

  it('is a warning, not an error, when the target has room for change capture but not for the reverse replication at cutover', () => {
    const ctx = { engine: 'dms' as const, ferrySlots: ferrySlotNames('orders', 'dms') };
    const uses = { source: slotUses(ctx, 'source'), target: slotUses(ctx, 'target') };
    const server = (max: number, names: string[] = []): ServerSlots => ({ max, slots: names.map((name) => ({ name, active: true })) });

    const oneFree = replicationSlotsResult(uses, { source: server(10), target: server(2, ['standby']) });
    const noneFree = replicationSlotsResult(uses, { source: server(10), target: server(1, ['standby']) });

    expect(oneFree).toMatchObject({ severity: 'warning', objects: ['target:max_replication_slots'] });
    expect(oneFree.message).toContain(
      'That is enough to start, but not for the reverse replication at cutover (a rollback after cutover needs it): before cutover, raise max_replication_slots on the target to at least 3',
    );
    expect(noneFree).toMatchObject({ severity: 'error', objects: ['target:max_replication_slots'] });
  });
});
