import { describe, expect, it } from 'vitest';
import { targetEmpty } from '../../../../../lambdas/shared/preflight/checks/target-empty';
import { useFreshPairEachTest } from '../../../../helpers/database-pair';
import { contextOf, runCheck } from '../helpers';

describe('target-empty', () => {
  const pair = useFreshPairEachTest();

  it('is ok when every selected table on the target is empty', async () => {
    await pair.bothSql('create table orders (id int primary key); create table "Odd ""Name""" (id int)');
    await pair.sourceSql('insert into orders values (1)');

    const result = await runCheck(targetEmpty, contextOf(pair));

    expect(result).toEqual({ id: 'target-empty', severity: 'ok', message: 'All 2 selected tables on the target are empty.', objects: [] });
  });

  it('is an error naming the target tables that already hold rows', async () => {
    await pair.bothSql('create table orders (id int primary key); create table "Odd ""Name""" (id int); create table empty_one (id int)');
    await pair.targetSql(`insert into orders values (1); insert into "Odd ""Name""" values (1)`);

    const result = await runCheck(targetEmpty, contextOf(pair));

    expect(result).toMatchObject({ severity: 'error', objects: ['public.Odd "Name"', 'public.orders'] });
    expect(result.message).toContain('2 target tables already hold rows: public.Odd "Name" and public.orders.');
    expect(result.message).toContain('TRUNCATE TABLE');
  });

  it("is info, not blocking, when the migration's replication already runs (a restart): the rows come from it", async () => {
    await pair.bothSql('create table orders (id int primary key)');
    await pair.targetSql('insert into orders values (1)');

    const running = await runCheck(targetEmpty, contextOf(pair, { replicationState: async () => ({ known: true, state: 'cdc' }) }));
    const notStarted = await runCheck(targetEmpty, contextOf(pair, { replicationState: async () => ({ known: true, state: 'not-started' }) }));

    expect(running).toMatchObject({ severity: 'info', objects: ['public.orders'] });
    expect(running.message).toBe(
      "This migration's replication already exists (its engine reports cdc), so the rows on the target come from it and are not in its way (the check does not block). 1 target table already holds rows: public.orders.",
    );
    expect(notStarted).toMatchObject({ severity: 'error', objects: ['public.orders'] });
  });

  it("stays an error, saying why, when the replication's state could not be read", async () => {
    await pair.bothSql('create table orders (id int primary key)');
    await pair.targetSql('insert into orders values (1)');

    const result = await runCheck(targetEmpty, contextOf(pair, { replicationState: async () => ({ known: false, reason: 'reading its state failed: connection refused' }) }));

    expect(result).toMatchObject({ severity: 'error', objects: ['public.orders'] });
    expect(result.message).toContain(
      'Ferry could not tell whether this migration\'s replication already runs (reading its state failed: connection refused), so it counts as not started. If it does run (a restart), the rows come from it: waive "target-empty".',
    );
  });
});
