import { describe, expect, it } from 'vitest';
import { schema } from '../../../../lambdas/preflight/checks/schema';
import { usePostgresPair } from '../../../helpers/database-pair';
import { contextOf, runCheck } from '../helpers';

const ORDERS = 'create table orders (id bigint generated always as identity primary key, customer text not null, total numeric(12,2))';

describe('schema', () => {
  const servers = usePostgresPair();

  it('is ok when the target schema equals the source (sequence positions and extensions are other checks)', async () => {
    const pair = await servers.freshPair();
    await pair.bothSql(`${ORDERS}; create index orders_customer on orders (customer)`);
    await pair.sourceSql("create extension hstore; insert into orders (customer) values ('a'), ('b')");

    const result = await runCheck(schema, contextOf(pair));

    expect(result).toEqual({ id: 'schema', severity: 'ok', message: 'The target schema of the selected tables matches the source.', objects: [] });
  });

  it('is an error listing differences that lose data, and mentions the lesser ones', async () => {
    const pair = await servers.freshPair();
    await pair.sourceSql(`${ORDERS}; create index orders_customer on orders (customer); create table notes (id int primary key)`);
    await pair.targetSql(`create table orders (id bigint generated always as identity primary key, customer text not null)`);

    const result = await runCheck(schema, contextOf(pair));

    expect(result.severity).toBe('error');
    expect(result.objects).toEqual(['public.orders.total', 'table public.notes', 'index public.orders_customer']);
    expect(result.message).toContain('The target schema differs from the source in 2 ways that would lose or reject data');
    expect(result.message).toContain('column-missing public.orders.total (source: total numeric(12,2); target: absent)');
    expect(result.message).toContain('table-missing table public.notes');
    expect(result.message).toContain('Also 1 difference in behaviour or performance: index-missing index public.orders_customer');
  });

  it('is a warning when only behaviour or performance differs', async () => {
    const pair = await servers.freshPair();
    await pair.bothSql(ORDERS);
    await pair.sourceSql('create index orders_customer on orders (customer)');

    const result = await runCheck(schema, contextOf(pair));

    expect(result).toMatchObject({ severity: 'warning', objects: ['index public.orders_customer'] });
  });
});
