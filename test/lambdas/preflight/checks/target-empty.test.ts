import { describe, expect, it } from 'vitest';
import { targetEmpty } from '../../../../lambdas/preflight/checks/target-empty';
import { usePostgresPair } from '../../../helpers/database-pair';
import { contextOf, runCheck } from '../helpers';

describe('target-empty', () => {
  const servers = usePostgresPair();

  it('is ok when every selected table on the target is empty', async () => {
    const pair = await servers.freshPair();
    await pair.bothSql('create table orders (id int primary key); create table "Odd ""Name""" (id int)');
    await pair.sourceSql('insert into orders values (1)');

    const result = await runCheck(targetEmpty, contextOf(pair));

    expect(result).toEqual({ id: 'target-empty', severity: 'ok', message: 'All 2 selected tables on the target are empty.', objects: [] });
  });

  it('is an error naming the target tables that already hold rows', async () => {
    const pair = await servers.freshPair();
    await pair.bothSql('create table orders (id int primary key); create table "Odd ""Name""" (id int); create table empty_one (id int)');
    await pair.targetSql(`insert into orders values (1); insert into "Odd ""Name""" values (1)`);

    const result = await runCheck(targetEmpty, contextOf(pair));

    expect(result).toMatchObject({ severity: 'error', objects: ['public.Odd "Name"', 'public.orders'] });
    expect(result.message).toContain('2 target tables already hold rows: public.Odd "Name" and public.orders.');
    expect(result.message).toContain('TRUNCATE TABLE');
  });
});
