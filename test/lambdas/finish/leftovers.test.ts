import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dropMarkerTable, findDmsForwardSlot } from '../../../lambdas/finish/leftovers';
import { ensureMarkerTable } from '../../../lambdas/shared/cutover/marker';
import { Database } from '../../../lambdas/shared/pg/connection';
import { usePostgres } from '../../helpers/postgres';

/** What the finish workflow decides on its own, on a real server: which slot is DMS's, and when Ferry's marker table may go. */
describe('finish leftovers', () => {
  const server = usePostgres();
  let db: Database;
  beforeAll(() => {
    db = new Database({ label: 'source database', config: { connectionString: server.url } });
  });
  afterAll(async () => db.close());
  beforeEach(async () => {
    await db.query(`select pg_drop_replication_slot(slot_name) from pg_replication_slots where database = current_database()`);
    await db.query('drop publication if exists other_app');
    await db.query('drop schema if exists ferry cascade');
  });

  const slots = async () => (await db.query<{ name: string }>('select slot_name::text as name from pg_replication_slots order by 1')).map((r) => r.name);
  const logicalSlot = (name: string, plugin = 'test_decoding') => db.query('select pg_create_logical_replication_slot($1, $2)', [name, plugin]);

  it("takes the one slot of DMS's kind for DMS's, leaving Ferry's, subscriptions' and other plugins' slots out of it", async () => {
    await logicalSlot('abcdefghijklmnop_00016384_0a1b2c3d_4e5f_6a7b_8c9d_0e1f2a3b4c5d');
    await logicalSlot('ferry_capture_orders_source');
    await logicalSlot('pg_16400_sync_16390_7000000000000000000');
    await logicalSlot('app_cdc', 'pgoutput');

    expect(await findDmsForwardSlot(db, 0)).toEqual({ slot: 'abcdefghijklmnop_00016384_0a1b2c3d_4e5f_6a7b_8c9d_0e1f2a3b4c5d', undecided: [] });
  });

  it('chooses none when two slots could be DMS’s, and names both for a person', async () => {
    await logicalSlot('dms_slot_one');
    await logicalSlot('debezium');

    expect(await findDmsForwardSlot(db, 0)).toEqual({ undecided: ['debezium', 'dms_slot_one'] });
    expect(await slots()).toEqual(['debezium', 'dms_slot_one']);
  });

  it('never chooses a slot a WAL sender still holds: it may be another live replication', async () => {
    await logicalSlot('other_dms_task');
    const streamer = new Database({ label: 'streamer', config: { connectionString: server.url, replication: 'database' } as never });
    const held = streamer.withClient((client) => client.query('START_REPLICATION SLOT other_dms_task LOGICAL 0/0')).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 500));
    try {
      expect(await findDmsForwardSlot(db, 0)).toEqual({ undecided: ['other_dms_task (in use by a WAL sender)'] });
    } finally {
      await db.query(`select pg_terminate_backend(active_pid) from pg_replication_slots where slot_name = 'other_dms_task' and active_pid is not null`);
      await held;
      await streamer.close().catch(() => undefined);
    }
  });

  it("drops Ferry's marker table and schema once nothing else uses them", async () => {
    await ensureMarkerTable(db);

    expect(await dropMarkerTable(db)).toEqual({ dropped: true });
    const [row] = await db.query<{ n: number }>(`select count(*)::int as n from pg_namespace where nspname = 'ferry'`);
    expect(row!.n).toBe(0);
  });

  it("keeps the marker table while another migration's publication carries it, and says which", async () => {
    await ensureMarkerTable(db);
    await db.query('create publication other_app for table ferry.cutover_marker');

    const outcome = await dropMarkerTable(db);

    expect(outcome).toEqual({ dropped: false, why: expect.stringMatching(/kept "?ferry"?\."?cutover_marker"? on the source database: publication\(s\) other_app still use it/) });
    const [row] = await db.query<{ exists: boolean }>(`select to_regclass('ferry.cutover_marker') is not null as exists`);
    expect(row!.exists).toBe(true);
  });

  it('keeps the schema when someone else put an object in it', async () => {
    await ensureMarkerTable(db);
    await db.query('create table ferry.notes (id int)');

    expect(await dropMarkerTable(db)).toEqual({ dropped: true });
    const [row] = await db.query<{ marker: boolean; notes: boolean }>(
      `select to_regclass('ferry.cutover_marker') is not null as marker, to_regclass('ferry.notes') is not null as notes`,
    );
    expect(row).toEqual({ marker: false, notes: true });
  });
});
