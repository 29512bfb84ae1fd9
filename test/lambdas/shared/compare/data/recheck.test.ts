import { beforeEach, describe, expect, it } from 'vitest';
import { compareData } from '../../../../../lambdas/shared/compare/data/compare';
import { usePostgresPair, type DatabasePair } from '../../../../helpers/database-pair';

describe('re-checking differences while replication runs', () => {
  const servers = usePostgresPair();
  let pair: DatabasePair;
  beforeEach(async () => {
    pair = await servers.freshPair();
    await pair.bothSql(`create table t (id int primary key, v text); insert into t select i, 'v' from generate_series(1, 3000) i`);
  });

  it('drops a difference that replication settles during the delay, and counts it as transient', async () => {
    // GIVEN a change on the source that has not reached the target yet
    await pair.sourceSql(`update t set v = 'new' where id = 10; insert into t values (3001, 'new')`);
    // WHEN it arrives during the settle delay
    const result = await compareData(pair.source, pair.target, {
      settleMs: 50,
      segmentRows: 1000,
      sleep: async () => {
        await pair.targetSql(`update t set v = 'new' where id = 10; insert into t values (3001, 'new')`);
      },
    });
    // THEN nothing is reported, and two transient differences are counted
    expect(result.tables[0]).toMatchObject({ status: 'equal', changedTotal: 0, missingTotal: 0, transient: 2 });
  });

  it('reports a difference that persists after the delay', async () => {
    await pair.targetSql(`update t set v = 'lost' where id = 2500`);
    let slept = 0;
    const result = await compareData(pair.source, pair.target, { settleMs: 50, sleep: async () => void slept++ });
    expect(slept).toBe(1);
    expect(result.tables[0]).toMatchObject({ status: 'different', changedTotal: 1, transient: 0, changed: [{ key: { id: 2500 } }] });
  });

  it('keeps the persistent one of two differences and drops the transient one', async () => {
    await pair.sourceSql(`update t set v = 'in flight' where id = 5`);
    await pair.targetSql(`delete from t where id = 2999`);
    const result = await compareData(pair.source, pair.target, {
      settleMs: 50,
      sleep: () => pair.targetSql(`update t set v = 'in flight' where id = 5`).then(() => undefined),
    });
    expect(result.tables[0]).toMatchObject({ missingTotal: 1, changedTotal: 0, transient: 1, missing: [{ id: 2999 }] });
  });

  it('ignores a difference that appears only during the re-check (it is new, not persistent)', async () => {
    await pair.targetSql(`update t set v = 'x' where id = 1`);
    const result = await compareData(pair.source, pair.target, {
      settleMs: 50,
      sleep: () => pair.sourceSql(`update t set v = 'y' where id = 2`).then(() => undefined),
    });
    expect(result.tables[0]).toMatchObject({ changedTotal: 1, changed: [{ key: { id: 1 } }] });
  });

  it('does not wait when nothing differs', async () => {
    let slept = 0;
    const result = await compareData(pair.source, pair.target, { settleMs: 60_000, sleep: async () => void slept++ });
    expect(slept).toBe(0);
    expect(result.tables[0]!.status).toBe('equal');
  });

  it('re-checks a table without a key as a multiset', async () => {
    await pair.bothSql(`create table log (line text); insert into log select 'l' || i from generate_series(1, 100) i`);
    await pair.sourceSql(`insert into log values ('late')`);
    const result = await compareData(pair.source, pair.target, {
      selection: { include: ['public.log'] },
      settleMs: 50,
      sleep: () => pair.targetSql(`insert into log values ('late')`).then(() => undefined),
    });
    expect(result.tables[0]).toMatchObject({ status: 'warning', missingTotal: 0, transient: 1 });
  });
});
