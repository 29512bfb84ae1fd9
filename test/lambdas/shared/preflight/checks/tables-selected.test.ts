import { describe, expect, it } from 'vitest';
import { tablesSelected } from '../../../../../lambdas/shared/preflight/checks/tables-selected';
import { useFreshPairEachTest } from '../../../../helpers/database-pair';
import { contextOf, runCheck } from '../helpers';

describe('tables-selected', () => {
  const pair = useFreshPairEachTest();

  it('is ok and lists the tables the selection matches', async () => {
    await pair.sourceSql('create schema app; create table app.orders (id int primary key); create table app.audit (id int); create table public.other (id int)');

    const result = await runCheck(tablesSelected, contextOf(pair, { selection: { include: ['app.*'], exclude: ['app.audit'] } }));

    expect(result).toEqual({ id: 'tables-selected', severity: 'ok', message: 'The selection matches 1 table on the source: app.orders.', objects: ['app.orders'] });
  });

  it('is an error when the selection matches no table (a typo, or case)', async () => {
    await pair.sourceSql('create schema app; create table app.orders (id int primary key)');

    const result = await runCheck(tablesSelected, contextOf(pair, { selection: { include: ['App.*'] } }));

    expect(result.severity).toBe('error');
    expect(result.message).toContain('The table selection (include ["App.*"]) matches no table on the source');
    expect(result.message).toContain('case-sensitive');
  });
});
