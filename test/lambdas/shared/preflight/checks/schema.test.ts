import { describe, expect, it } from 'vitest';
import { schema } from '../../../../../lambdas/shared/preflight/checks/schema';
import { useFreshPairEachTest } from '../../../../helpers/database-pair';
import { contextOf, runCheck } from '../helpers';

const ORDERS = 'create table orders (id bigint generated always as identity primary key, customer text not null, total numeric(12,2))';

describe('schema', () => {
  const pair = useFreshPairEachTest();

  it('is ok when the target schema equals the source (sequence positions and extensions are other checks)', async () => {
    await pair.bothSql(`${ORDERS}; create index orders_customer on orders (customer)`);
    await pair.sourceSql("create extension hstore; insert into orders (customer) values ('a'), ('b')");

    const result = await runCheck(schema, contextOf(pair));

    expect(result).toEqual({ id: 'schema', severity: 'ok', message: 'The target schema of the selected tables matches the source.', objects: [] });
  });

  it('is an error listing differences that lose data, and mentions the lesser ones', async () => {
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

  it('is an error naming the function, the row level security and the grant that differ on the target, and how', async () => {
    await pair.bothSql(`${ORDERS};
      DO $$ BEGIN CREATE ROLE shop_app; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
      GRANT SELECT, INSERT, UPDATE ON orders TO shop_app;
      CREATE FUNCTION order_total(p_id bigint) RETURNS numeric LANGUAGE sql STABLE AS $$ SELECT total FROM public.orders WHERE id = p_id $$;
      ALTER TABLE orders ENABLE ROW LEVEL SECURITY`);
    await pair.targetSql(`REVOKE UPDATE ON orders FROM shop_app; ALTER TABLE orders DISABLE ROW LEVEL SECURITY; DROP FUNCTION order_total(bigint)`);

    const result = await runCheck(schema, contextOf(pair));

    expect(result.severity).toBe('error');
    expect(result.objects).toEqual(['function public.order_total(p_id bigint)', 'table public.orders']);
    expect(result.message).toContain('The target schema differs from the source in 3 ways');
    expect(result.message).toContain('function-missing function public.order_total(p_id bigint)');
    expect(result.message).toContain('the target has no function public.order_total(p_id bigint): calls to it fail there');
    expect(result.message).toContain('row-security table public.orders');
    expect(result.message).toContain('row level security is enabled, not forced on the source and disabled on the target');
    expect(result.message).toContain('table-grants table public.orders');
    expect(result.message).toContain('on the target shop_app lacks UPDATE');
  });

  it("is ok when only AWS DMS's own control tables differ", async () => {
    await pair.bothSql(ORDERS);
    await pair.targetSql(`CREATE SCHEMA awsdms_control;
      CREATE TABLE awsdms_control.awsdms_apply_exceptions ("TASK_NAME" varchar(128) NOT NULL, "ERROR" text NOT NULL);
      CREATE TABLE awsdms_control.awsdms_status (server_name varchar(128) PRIMARY KEY)`);
    await pair.sourceSql('CREATE TABLE public.awsdms_ddl_audit (c_key bigserial PRIMARY KEY, c_ddlqry text)');

    const result = await runCheck(schema, contextOf(pair));

    expect(result).toMatchObject({ severity: 'ok', objects: [] });
  });

  it('is a warning when only behaviour or performance differs', async () => {
    await pair.bothSql(ORDERS);
    await pair.sourceSql('create index orders_customer on orders (customer)');

    const result = await runCheck(schema, contextOf(pair));

    expect(result).toMatchObject({ severity: 'warning', objects: ['index public.orders_customer'] });
  });
});
