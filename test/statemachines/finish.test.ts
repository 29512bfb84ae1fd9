import { describe, expect, it } from 'vitest';
import type { DatabasePair } from '../helpers/database-pair';
import { cutoverScene, type CutoverScene } from './cutover.fixture';
import { useWorkflowParts } from './workflow.fixture';

/** Everything replication and Ferry leave on a database: none of it may outlive a finished migration. */
const INVENTORY_SQL = `
  select (select count(*)::int from pg_replication_slots where database = current_database()) as slots,
         (select count(*)::int from pg_publication) as publications,
         (select count(*)::int from pg_subscription where subdbid = (select oid from pg_database where datname = current_database())) as subscriptions,
         (select count(*)::int from pg_replication_origin r
           where not exists (select 1 from pg_subscription s where r.roname = 'pg_' || s.oid or r.roname like 'pg\\_' || s.oid || '\\_%')) as "orphanOrigins",
         (select count(*)::int from pg_namespace where nspname = 'ferry') as "ferrySchema"`;

const NOTHING = { slots: 0, publications: 0, subscriptions: 0, orphanOrigins: 0, ferrySchema: 0 };

async function inventory(pair: DatabasePair) {
  const [source, target] = await Promise.all([pair.sourceSql(INVENTORY_SQL), pair.targetSql(INVENTORY_SQL)]);
  return { source: source.rows[0] as typeof NOTHING, target: target.rows[0] as typeof NOTHING };
}

const phaseOf = async (scene: CutoverScene) => (await scene.m.runtime.store.getState(scene.m.migrationId))?.phase;

/** The real statemachines/finish.asl.json, after a cutover and after an abort, under continuous writes. */
describe('the finish workflow', () => {
  const { servers, dynamo, nextId } = useWorkflowParts('fin');

  it('after cutover, waits for the observation window unless forced, then leaves neither database a slot, publication, subscription or Ferry object', async () => {
    const scene = await cutoverScene(await servers.freshPair(), dynamo, nextId());
    try {
      const cutover = await scene.m.runOther('cutover');
      expect(cutover.status).toBe('SUCCEEDED');
      const cutOverAt = Date.parse((await scene.m.runtime.store.getState(scene.m.migrationId))!.history.at(-1)!.at);
      expect(scene.m.runtime.scheduledFinishes.get(scene.m.migrationId)).toBe(cutOverAt + 60 * 60_000);

      const early = await scene.m.runOther('finish');
      expect(early).toMatchObject({ status: 'FAILED', error: 'FinishTooEarlyError', cause: expect.stringContaining('"force": true') });
      expect(await phaseOf(scene)).toBe('cut-over');
      expect((await inventory(scene.pair)).source.subscriptions).toBe(1);

      await scene.writer.committedMore(30);
      const forced = await scene.m.runOther('finish', { force: true });
      await scene.writer.committedMore(30);

      expect(forced).toMatchObject({
        status: 'SUCCEEDED',
        output: { phase: 'completed', finished: true, clientsOn: 'target', kept: [expect.stringMatching(/^writes of app on the source database .* stay frozen/)] },
      });
      expect(await phaseOf(scene)).toBe('completed');
      expect(await inventory(scene.pair)).toEqual({ source: NOTHING, target: NOTHING });
      expect(scene.m.runtime.scheduledFinishes.has(scene.m.migrationId)).toBe(false);
      expect(scene.clients.history).toEqual(['target']);
      expect(await scene.appCanWrite('target')).toBe(true);
      expect(await scene.appCanWrite('source')).toBe(false);
      await scene.writer.stop();
      expect(await scene.audit('target')).toEqual({ lost: [], duplicated: [] });
      const told = scene.m.runtime.notifier.sent.find((n) => n.event === 'phase-changed' && n.subject.endsWith('phase completed'));
      expect(told?.message).toMatch(/source stays frozen.*remove migration "fin-.*" from cdk\.json/s);

      const again = await scene.m.runOther('finish');
      const alarm = await scene.m.runOther('rollback', { reason: 'latency alarm', alarmName: 'Ferry-test-latency' });
      const migrate = await scene.m.run();

      expect(again).toMatchObject({ status: 'SUCCEEDED', output: { phase: 'completed', removed: ['nothing was left to remove'] } });
      expect(alarm.status).toBe('SUCCEEDED');
      expect(migrate).toMatchObject({ status: 'FAILED', error: 'MigratePhaseError' });
      expect(await phaseOf(scene)).toBe('completed');
      expect(scene.clients.history).toEqual(['target']);
    } finally {
      await scene.close();
    }
  });

  it('after an abort, removes the same objects without touching the switch, and the source stays writable', async () => {
    const scene = await cutoverScene(await servers.freshPair(), dynamo, nextId());
    try {
      expect(await scene.m.runOther('rollback', { reason: 'postponed for good' })).toMatchObject({ status: 'SUCCEEDED', output: { phase: 'aborted' } });
      // As if the migration had been aborted before the index builds after its full load ran.
      await scene.pair.targetSql('drop index ledger_account_idx');

      const finished = await scene.m.runOther('finish');
      await scene.writer.committedMore(20);

      expect(finished).toMatchObject({ status: 'SUCCEEDED', output: { phase: 'completed', clientsOn: 'source', kept: [] } });
      expect(await inventory(scene.pair)).toEqual({ source: NOTHING, target: NOTHING });
      expect(scene.clients.history).toEqual([]);
      expect(await scene.appCanWrite('source')).toBe(true);
      // The target gets back the secondary index the full load deferred.
      expect((await scene.pair.targetSql(`select indexdef from pg_indexes where indexname = 'ledger_account_idx'`)).rows).toEqual([
        { indexdef: 'CREATE INDEX ledger_account_idx ON public.ledger USING btree (account_id)' },
      ]);
    } finally {
      await scene.close();
    }
  });
});
