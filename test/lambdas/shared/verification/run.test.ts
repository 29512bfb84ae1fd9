import { describe, expect, it } from 'vitest';
import { slotInfo } from '../../../../lambdas/shared/capture/slot';
import { runVerification } from '../../../../lambdas/shared/verification/run';
import { captureScene, OWNER, startCapture, type CaptureScene } from '../../../helpers/capture-scene';
import { usePostgresPair } from '../../../helpers/database-pair';
import { useDynalite } from '../../../helpers/dynalite';

/**
 * Live verification rounds on two real servers with native replication streaming: the keys that
 * changed on either side are compared, differences are proven before they are reported, and the
 * capture slots move on.
 */
describe('a live verification round', () => {
  const servers = usePostgresPair();
  const dynamo = useDynalite();
  let n = 0;

  async function scene(): Promise<CaptureScene> {
    const pair = await servers.freshPair();
    await pair.bothSql('create table items (id bigint primary key, price numeric(10,2) not null, note text)');
    await pair.sourceSql(`insert into items select i, i * 1.5, 'item ' || i from generate_series(1, 2000) i`);
    const s = await captureScene(pair, dynamo, `verify-${++n}`);
    await s.caughtUp('items');
    await startCapture(s);
    return s;
  }
  const round = (s: CaptureScene, proofMethod?: 'slot' | 'marker') =>
    runVerification(s.runtime, s.migrationId, { owner: OWNER, scheduled: false, waitMs: 5_000, deadline: Date.now() + 60_000, ...(proofMethod ? { proofMethod } : {}) });

  it('verifies exactly the keys written since the capture started, and advances both slots past them', async () => {
    const s = await scene();
    try {
      await s.pair.sourceSql(`update items set price = price + 1 where id <= 30; delete from items where id between 31 and 40; insert into items values (5000, 1, 'new')`);

      const outcome = await round(s);

      expect(outcome).toMatchObject({ status: 'verified', direction: 'forward', differences: 0, suspects: 0, keysVerified: 41 });
      const record = (await s.runtime.store.getVerification(s.migrationId))!;
      expect(record.verifiedThrough).toBeDefined();
      const slot = (await slotInfo(s.pair.source, record.slots.source.name))!;
      expect(slot.confirmedLsn).toBe(record.verifiedThrough!.source);
      // Nothing new: the next round has nothing to compare.
      expect(await round(s)).toMatchObject({ status: 'verified', keysVerified: 0 });
    } finally {
      await s.cleanUp();
    }
  });

  for (const proof of ['slot', 'marker'] as const) {
    it(`proves a row changed on the target only and names it (${proof === 'slot' ? 'native: confirmed LSN' : "DMS's path: marker row"})`, async () => {
      const s = await scene();
      try {
        await s.pair.targetSql(`update items set price = -999 where id = 7`);

        const outcome = await round(s, proof);

        expect(outcome).toMatchObject({ status: 'verified', differences: 1 });
        const record = (await s.runtime.store.getVerification(s.migrationId))!;
        expect(record.unresolved).toEqual([expect.objectContaining({ table: 'public.items', key: ['7'], status: 'difference', kind: 'changed', columns: ['price'] })]);
        const note = s.runtime.notifier.sent.find((x) => x.event === 'verification-differences');
        expect(note?.message).toContain('public.items key (7): columns price differ');
        expect(s.runtime.metrics.recorded.filter((m) => m.name === 'VerificationDifferences').map((m) => m.value)).toEqual([1]);

        // Fixed on the target: the change is captured there, and the next round resolves it.
        await s.pair.targetSql(`update items set price = 10.50 where id = 7`);
        expect(await round(s, proof)).toMatchObject({ status: 'verified', differences: 0, resolved: 1 });
        expect((await s.runtime.store.getVerification(s.migrationId))!.unresolved).toEqual([]);
      } finally {
        await s.cleanUp();
      }
    });
  }

  it('compares a truncated table whole, and reports the rows it lost', async () => {
    const s = await scene();
    try {
      await s.pair.targetSql('truncate items');

      const outcome = await round(s);

      expect(outcome).toMatchObject({ status: 'verified', tablesToCompare: 1 });
      const record = (await s.runtime.store.getVerification(s.migrationId))!;
      expect(record.tablesToCompare).toEqual([expect.objectContaining({ table: 'public.items', reason: 'compared whole: 2000 missing, 0 extra, 0 changed on the target' })]);
      expect(record.unresolved.length).toBe(100);
    } finally {
      await s.cleanUp();
    }
  });
});
