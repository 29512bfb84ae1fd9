import { describe, expect, it } from 'vitest';
import { currentLsn } from '../../../../lambdas/shared/capture/slot';
import { ReplicaBehindError, slotApplyProof } from '../../../../lambdas/shared/verification/applied';
import { useFreshPairEachTest } from '../../../helpers/database-pair';

/**
 * The slot proof on a real subscription: the subscriber's applied position is proof for the
 * tables its apply worker applies, and no proof while a table is still in its initial copy.
 */
describe('the slot apply proof', () => {
  const pair = useFreshPairEachTest();

  it('refuses while a table of the subscription is still in its initial copy, naming why', async () => {
    await pair.bothSql('create table items (id int primary key)');
    await pair.sourceSql('insert into items values (1); create publication proof_sub for table items');
    // The target already holds the row: the table's initial copy fails on the key and retries, so
    // the table stays in its copy while the subscription streams everything else.
    await pair.targetSql('insert into items values (1)');
    const url = new URL(pair.sourceUrl);
    const conninfo = `host=127.0.0.1 port=${url.port} dbname=${url.pathname.slice(1)} user=${url.username} password=${decodeURIComponent(url.password)}`;
    await pair.targetSql(
      `create subscription proof_sub connection '${conninfo}' publication proof_sub with (streaming = on)`,
    );
    try {
      const lsn = await currentLsn(pair.source);
      const proof = slotApplyProof(pair.source, 'proof_sub', pair.target);

      const refused = await proof.waitApplied(lsn, { deadline: Date.now() + 3_000 }).catch((error: unknown) => error);

      expect(refused).toBeInstanceOf(ReplicaBehindError);
      expect((refused as Error).message).toMatch(/1 table\(s\) of the subscription "proof_sub" on the target database are still in their initial copy/);
      // Without the subscriber to look at, the position alone would have been taken as proof.
      await expect(slotApplyProof(pair.source, 'proof_sub').waitApplied(lsn, { deadline: Date.now() + 10_000 })).resolves.toBeDefined();
    } finally {
      await pair.targetSql('alter subscription proof_sub disable');
      await pair.targetSql('alter subscription proof_sub set (slot_name = none)');
      await pair.targetSql('drop subscription proof_sub');
      await pair.sourceSql(`select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name like 'proof_sub%' or slot_name like 'pg\\_%\\_sync\\_%'`);
    }
  });
});
