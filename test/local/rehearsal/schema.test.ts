import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { APP_ROLE, appRoleSql, REHEARSAL_SCHEMA_SQL, REHEARSAL_TABLES, WRITTEN_IDS_SQL, writeOrder } from '../../../local/rehearsal/schema';
import { usePostgres } from '../../helpers/postgres';

const server = usePostgres();
const clients: pg.Client[] = [];
afterAll(async () => {
  for (const c of clients.splice(0)) await c.end().catch(() => undefined);
});

let databases = 0;
/** A new empty database on the server, connected as the superuser. */
async function freshDatabase(): Promise<{ admin: pg.Client; database: string }> {
  const database = `rehearsal_schema_${++databases}`;
  const postgres = await connect({ database: 'postgres' });
  await postgres.query(`create database ${database}`);
  return { admin: await connect({ database }), database };
}

async function connect(options: { database: string; user?: string; password?: string }): Promise<pg.Client> {
  const client = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, ...options });
  await client.connect();
  clients.push(client);
  return client;
}

/** The schema, the role, one customer and one product: what writeOrder needs. */
async function shopWithOneOfEach(): Promise<{ admin: pg.Client; app: pg.Client; database: string }> {
  const { admin, database } = await freshDatabase();
  await admin.query(REHEARSAL_SCHEMA_SQL);
  await admin.query(appRoleSql());
  await admin.query(`insert into customers (name, email) values ('Zoë Ærø', 'zoe@example.com')`);
  await admin.query(`insert into products (sku, name, price) values ('SKU-1', 'Crêpe pan', 24.5)`);
  return { admin, database, app: await connect({ database, user: APP_ROLE.user, password: APP_ROLE.password }) };
}

describe('REHEARSAL_SCHEMA_SQL and appRoleSql', () => {
  it('GIVEN a fresh database WHEN the schema and the role are applied twice THEN the shop exists once, every table with a primary key and every foreign key indexed', async () => {
    // GIVEN
    const { admin } = await freshDatabase();

    // WHEN
    for (let i = 0; i < 2; i++) {
      await admin.query(REHEARSAL_SCHEMA_SQL);
      await admin.query(appRoleSql());
    }

    // THEN
    const tables = await admin.query<{ table: string; pk: boolean }>(
      `select c.relname as table, exists (select 1 from pg_constraint k where k.conrelid = c.oid and k.contype = 'p') as pk
         from pg_class c where c.relnamespace = 'public'::regnamespace and c.relkind = 'r' order by 1`,
    );
    expect(tables.rows).toEqual([...REHEARSAL_TABLES].sort().map((table) => ({ table, pk: true })));
    const statuses = await admin.query<{ labels: string[] }>(`select enum_range(null::public.order_status)::text[] as labels`);
    expect(statuses.rows[0]?.labels).toEqual(['pending', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded']);
    // A foreign key is indexed when some index starts with its columns.
    const unindexed = await admin.query<{ fk: string }>(
      `select k.conname as fk from pg_constraint k
        where k.contype = 'f' and k.connamespace = 'public'::regnamespace
          and not exists (select 1 from pg_index i where i.indrelid = k.conrelid
                            and (i.indkey::int2[])[0:cardinality(k.conkey) - 1] = k.conkey)`,
    );
    expect(unindexed.rows).toEqual([]);
    const fks = await admin.query<{ fk: string }>(
      `select conrelid::regclass || ' -> ' || confrelid::regclass || case confdeltype when 'c' then ' on delete cascade' else '' end as fk
         from pg_constraint where contype = 'f' and connamespace = 'public'::regnamespace order by 1`,
    );
    expect(fks.rows.map((r) => r.fk)).toEqual(['order_items -> orders on delete cascade', 'order_items -> products', 'orders -> customers', 'payments -> orders']);
  });

  it('GIVEN the schema WHEN appRoleSql runs THEN the app role can log in and read and write every table and use every sequence, but not truncate', async () => {
    // GIVEN
    const { admin } = await freshDatabase();
    await admin.query(REHEARSAL_SCHEMA_SQL);

    // WHEN
    await admin.query(appRoleSql());

    // THEN
    const privileges = await admin.query<{ name: string; ok: boolean; truncate: boolean }>(
      `select c.relname as name,
              case when c.relkind = 'S' then has_sequence_privilege($1, c.oid, 'usage, select')
                   else has_table_privilege($1, c.oid, 'select') and has_table_privilege($1, c.oid, 'insert')
                        and has_table_privilege($1, c.oid, 'update') and has_table_privilege($1, c.oid, 'delete') end as ok,
              c.relkind = 'r' and has_table_privilege($1, c.oid, 'truncate') as truncate
         from pg_class c where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'S')`,
      [APP_ROLE.user],
    );
    expect(privileges.rows.length).toBe(REHEARSAL_TABLES.length + 4);
    expect(privileges.rows.filter((r) => !r.ok || r.truncate)).toEqual([]);
    const login = await admin.query<{ rolcanlogin: boolean }>(`select rolcanlogin from pg_roles where rolname = $1`, [APP_ROLE.user]);
    expect(login.rows).toEqual([{ rolcanlogin: true }]);
  });

  it("GIVEN the role exists WHEN appRoleSql runs with a new password holding a quote THEN that password logs in", async () => {
    // GIVEN
    const { admin, database } = await freshDatabase();
    await admin.query(REHEARSAL_SCHEMA_SQL);
    await admin.query(appRoleSql());

    // WHEN
    await admin.query(appRoleSql(`it's-local`));

    // THEN
    const app = await connect({ database, user: APP_ROLE.user, password: `it's-local` });
    expect((await app.query<{ user: string }>('select current_user as user')).rows).toEqual([{ user: APP_ROLE.user }]);
  });
});

describe('writeOrder and WRITTEN_IDS_SQL', () => {
  it('GIVEN the app role WHEN it writes an order THEN exactly one order carries that id, with one line, and WRITTEN_IDS_SQL returns only the writes of that prefix', async () => {
    // GIVEN
    const { admin, app } = await shopWithOneOfEach();
    await admin.query(`insert into orders (customer_id, external_id) select id, 'ord-1' from customers`);

    // WHEN
    await writeOrder(app, 'w-1');
    await writeOrder(app, 'w-2');
    await writeOrder(app, 'other-1');

    // THEN
    const orders = await admin.query<{ external_id: string; status: string; items: number }>(
      `select o.external_id, o.status::text, (select count(*)::int from order_items i where i.order_id = o.id) as items
         from orders o where o.external_id = 'w-1'`,
    );
    expect(orders.rows).toEqual([{ external_id: 'w-1', status: 'pending', items: 1 }]);
    const written = await app.query<{ id: string }>(WRITTEN_IDS_SQL, ['w']);
    expect(written.rows.map((r) => r.id).sort()).toEqual(['w-1', 'w-2']);
  });

  it('GIVEN an id already written WHEN it is written again THEN it is rejected as a unique violation and nothing is added', async () => {
    // GIVEN
    const { admin, app } = await shopWithOneOfEach();
    await writeOrder(app, 'w-1');

    // WHEN
    const again = writeOrder(app, 'w-1');

    // THEN
    await expect(again).rejects.toMatchObject({ code: '23505' });
    const counts = await admin.query(`select (select count(*)::int from orders) as orders, (select count(*)::int from order_items) as items`);
    expect(counts.rows).toEqual([{ orders: 1, items: 1 }]);
  });

  it('GIVEN insert on orders is revoked from the app role WHEN it writes THEN the write fails with a permission error and leaves nothing behind', async () => {
    // GIVEN
    const { admin, app } = await shopWithOneOfEach();
    await admin.query(`revoke insert on orders from ${APP_ROLE.user}`);

    // WHEN
    const write = writeOrder(app, 'w-1');

    // THEN
    await expect(write).rejects.toMatchObject({ code: '42501', message: 'permission denied for table orders' });
    const counts = await admin.query(`select (select count(*)::int from orders) as orders, (select count(*)::int from order_items) as items`);
    expect(counts.rows).toEqual([{ orders: 0, items: 0 }]);
    // The connection is still usable: the failed write was its own transaction.
    expect((await app.query('select 1 as ok')).rows).toEqual([{ ok: 1 }]);
  });

  it('GIVEN the app role is read-only by default (the read-only freeze) WHEN it writes THEN the write fails cleanly', async () => {
    // GIVEN
    const { admin, database } = await shopWithOneOfEach();
    await admin.query(`alter role ${APP_ROLE.user} in database ${database} set default_transaction_read_only = on`);
    const app = await connect({ database, user: APP_ROLE.user, password: APP_ROLE.password });

    // WHEN
    const write = writeOrder(app, 'w-1');

    // THEN
    await expect(write).rejects.toMatchObject({ code: '25006' });
    expect((await admin.query(WRITTEN_IDS_SQL, ['w'])).rows).toEqual([]);
  });

  it('GIVEN no product exists WHEN the app writes THEN it fails instead of writing an order without lines', async () => {
    // GIVEN
    const { admin, app } = await shopWithOneOfEach();
    await admin.query('delete from products');

    // WHEN
    const write = writeOrder(app, 'w-1');

    // THEN
    await expect(write).rejects.toThrow('writeOrder(w-1): inserted 0 order lines instead of 1');
    expect((await admin.query(WRITTEN_IDS_SQL, ['w'])).rows).toEqual([]);
  });
});
