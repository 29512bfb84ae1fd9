import { describe, expect, it } from 'vitest';
import { replicationSlots } from '../../../../lambdas/preflight/checks/replication-slots';
import { usePostgres } from '../../../helpers/postgres';
import { contextOf, runCheck, sql, useDatabases } from '../helpers';

describe('replication-slots', () => {
  const roomy = usePostgres();
  const tight = usePostgres({ settings: { max_replication_slots: '3' } });
  const open = useDatabases();

  it('is ok when the source has a slot for the replication and each parallel table copy', async () => {
    const result = await runCheck(replicationSlots, contextOf({ source: open(roomy.url), target: open(roomy.url, 'target database') }, { syncWorkers: 4 }));

    expect(result).toMatchObject({ severity: 'ok', objects: [] });
    expect(result.message).toBe(
      'The source has 10 of max_replication_slots = 10 free; the replication needs 5 (1 for the subscription and 4 for the parallel initial copy (syncWorkers = 4; each table being copied holds a temporary one)).',
    );
  });

  it('is an error when too few slots are free, naming the setting and the slots that hold them', async () => {
    await sql(tight.url, "select pg_create_physical_replication_slot('forgotten_standby')");
    const ctx = contextOf({ source: open(tight.url), target: open(roomy.url, 'target database') }, { syncWorkers: 2 });

    const native = await runCheck(replicationSlots, ctx);
    const dms = await runCheck(replicationSlots, { ...ctx, engine: 'dms' });

    expect(native).toMatchObject({ severity: 'error', objects: ['max_replication_slots', 'forgotten_standby'] });
    expect(native.message).toContain('The source has 2 of max_replication_slots = 3 free; the replication needs 3');
    expect(native.message).toContain('Raise max_replication_slots to at least 4');
    expect(native.message).toContain('1 slot is inactive and keeps WAL on the source disk: forgotten_standby.');
    // DMS needs one slot: enough room, but the inactive slot is still worth a look.
    expect(dms).toMatchObject({ severity: 'info', objects: ['forgotten_standby'] });
  });
});
