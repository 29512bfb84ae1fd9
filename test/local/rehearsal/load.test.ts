import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRehearsalData } from '../../../local/rehearsal/load';
import { APP_ROLE, appRoleSql, REHEARSAL_SCHEMA_SQL, REHEARSAL_TABLES, writeOrder } from '../../../local/rehearsal/schema';
import { usePostgres } from '../../helpers/postgres';

const server = usePostgres();
const clients: pg.Client[] = [];
afterAll(async () => {
  for (const c of clients.splice(0)) await c.end().catch(() => undefined);
});

async function connect(options: { database: string; user?: string; password?: string }): Promise<pg.Client> {
  const client = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, ...options });
  await client.connect();
  clients.push(client);
  return client;
}

let databases = 0;
/** A new database holding the rehearsal schema, connected as `owner` (the superuser unless given). */
async function freshShop(owner?: { user: string; password: string }): Promise<{ client: pg.Client; database: string }> {
  const database = `rehearsal_load_${++databases}`;
  const postgres = await connect({ database: 'postgres' });
  await postgres.query(`create database ${database}${owner ? ` owner ${owner.user}` : ''}`);
  const client = await connect({ database, ...owner });
  await client.query(REHEARSAL_SCHEMA_SQL);
  return { client, database };
}

async function tableCounts(client: pg.ClientBase): Promise<Record<string, number>> {
  const { rows } = await client.query<Record<string, number>>(`select ${REHEARSAL_TABLES.map((t) => `(select count(*)::int from ${t}) as ${t}`).join(', ')}`);
  return rows[0]!;
}

describe('loadRehearsalData', () => {
  let shop: pg.Client;
  let loaded: Record<string, number>;
  const progress: number[] = [];

  beforeAll(async () => {
    shop = (await freshShop()).client;
    const started = performance.now();
    loaded = await loadRehearsalData(shop, 20_000, (n) => progress.push(n));
    console.info(`loadRehearsalData: 20,000 rows in ${Math.round(performance.now() - started)} ms`);
  });

  it('GIVEN 20,000 rows asked for WHEN loaded THEN every table has rows, they sum to 20,000, and the returned counts are what the tables hold', async () => {
    // THEN
    const counts = await tableCounts(shop);
    expect(counts).toEqual(loaded);
    expect(Object.keys(loaded).sort()).toEqual([...REHEARSAL_TABLES].sort());
    expect(Object.values(loaded).every((n) => n > 0)).toBe(true);
    expect(Object.values(loaded).reduce((a, b) => a + b, 0)).toBe(20_000);
    expect(loaded).toMatchObject({ orders: 6_000, order_items: 10_000 });
  });

  it('GIVEN a load WHEN it progresses THEN progress counts up to the total, at least once per table', () => {
    // THEN
    expect(progress.length).toBeGreaterThanOrEqual(REHEARSAL_TABLES.length);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(20_000);
  });

  it('GIVEN a load THEN non-ASCII text, jsonb objects, text arrays, bytea, every enum value, 2-decimal numerics and a year of timestamps are present and intact', async () => {
    // THEN
    const { rows } = await shop.query(`
      select
        (select count(*)::int from customers where name like 'Zoë %') as zoe,
        (select count(*)::int from customers where name like '李 %') as li,
        (select count(*)::int from customers where name ~ '[^\\x01-\\x7f]') as non_ascii_names,
        (select array_agg(distinct name) filter (where name like 'Łukasz %') from customers)::text[] @> array['Łukasz Ødegård'] as lukasz,
        (select bool_and(jsonb_typeof(attributes) = 'object' and attributes ? 'dimensions') from products) as product_json,
        (select bool_and(jsonb_typeof(details) = 'object') from payments) as payment_json,
        (select count(*)::int from customers where cardinality(tags) = 2) as two_tags,
        (select count(*)::int from customers where tags = '{}') as no_tags,
        (select count(*)::int from customers where 'früh-käufer' = any(tags)) as umlaut_tag,
        (select min(octet_length(photo)) from products) as photo_bytes,
        (select count(*)::int from products where photo is null) as no_photo,
        (select array_agg(distinct status::text order by status::text) from orders) as statuses,
        (select bool_and(scale(price) = 2) from products) as price_scale,
        (select bool_and(scale(amount) = 2) from payments) as amount_scale,
        (select extract(day from max(placed_at) - min(placed_at))::int from orders) as order_days,
        (select count(*)::int from orders where note like '%🎁%') as emoji_notes`);

    expect(rows[0]).toEqual({
      zoe: expect.any(Number),
      li: expect.any(Number),
      non_ascii_names: expect.any(Number),
      lukasz: true,
      product_json: true,
      payment_json: true,
      two_tags: expect.any(Number),
      no_tags: expect.any(Number),
      umlaut_tag: expect.any(Number),
      photo_bytes: 16,
      no_photo: 20,
      statuses: ['cancelled', 'delivered', 'paid', 'pending', 'refunded', 'shipped'],
      price_scale: true,
      amount_scale: true,
      order_days: expect.any(Number),
      emoji_notes: expect.any(Number),
    });
    const r = rows[0];
    for (const n of [r.zoe, r.li, r.two_tags, r.no_tags, r.umlaut_tag, r.emoji_notes]) expect(n).toBeGreaterThan(0);
    expect(r.non_ascii_names).toBeGreaterThan(500);
    expect(r.order_days).toBeGreaterThan(300);
    // What the client reads back is exactly what was generated, multi-byte characters included.
    const names = await shop.query<{ name: string }>(`select name from customers where id in (1, 3, 4) order by id`);
    expect(names.rows.map((n) => n.name)).toEqual([expect.stringMatching(/^Łukasz /), expect.stringMatching(/^Ærø /), expect.stringMatching(/^José /)]);
  });

  it('GIVEN a load THEN every reference points at an existing row and no (order, line) repeats', async () => {
    // THEN
    const { rows } = await shop.query(`
      select
        (select count(*)::int from orders o where not exists (select 1 from customers c where c.id = o.customer_id)) as orders,
        (select count(*)::int from order_items i where not exists (select 1 from orders o where o.id = i.order_id)) as items_to_orders,
        (select count(*)::int from order_items i where not exists (select 1 from products p where p.id = i.product_id)) as items_to_products,
        (select count(*)::int from payments p where not exists (select 1 from orders o where o.id = p.order_id)) as payments`);
    expect(rows[0]).toEqual({ orders: 0, items_to_orders: 0, items_to_products: 0, payments: 0 });
  });

  it('GIVEN a load THEN the planner knows each table’s row count (it was analyzed)', async () => {
    // THEN
    const { rows } = await shop.query<{ relname: string; reltuples: number }>(
      `select relname, reltuples::int as reltuples from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r'`,
    );
    expect(Object.fromEntries(rows.map((r) => [r.relname, r.reltuples]))).toEqual(loaded);
  });

  it('GIVEN a load WHEN rows are inserted without ids, and the app writes THEN every sequence hands out ids past the loaded ones', async () => {
    // WHEN
    const customer = await shop.query<{ id: string }>(`insert into customers (name, email) values ('Ægir', 'aegir@example.com') returning id`);
    const product = await shop.query<{ id: number }>(`insert into products (sku, name, price) values ('SKU-NEW', 'Piñata', 9.99) returning id`);
    const payment = await shop.query<{ id: string }>(`insert into payments (order_id, amount) values (1, 1.5) returning id`);
    await writeOrder(shop, 'w-after-load');
    const order = await shop.query<{ id: string }>(`select id from orders where external_id = 'w-after-load'`);

    // THEN
    expect(Number(customer.rows[0]!.id)).toBe(loaded.customers! + 1);
    expect(product.rows[0]!.id).toBe(loaded.products! + 1);
    expect(Number(payment.rows[0]!.id)).toBe(loaded.payments! + 1);
    expect(Number(order.rows[0]!.id)).toBe(loaded.orders! + 1);
  });
});

describe('loadRehearsalData, again and as others', () => {
  it('GIVEN loaded tables WHEN loaded again THEN the new rows follow the old ones and the counts double', async () => {
    // GIVEN
    const { client } = await freshShop();
    const first = await loadRehearsalData(client, 1_000);

    // WHEN
    const second = await loadRehearsalData(client, 1_000);

    // THEN
    expect(second).toEqual(first);
    expect(await tableCounts(client)).toEqual(Object.fromEntries(Object.entries(first).map(([t, n]) => [t, 2 * n])));
    const { rows } = await client.query(`select count(*)::int as orphans from order_items i where not exists (select 1 from orders o where o.id = i.order_id)`);
    expect(rows).toEqual([{ orphans: 0 }]);
  });

  it('GIVEN a role that owns the database but is not a superuser WHEN it loads THEN the load succeeds (with foreign keys checked)', async () => {
    // GIVEN
    const owner = { user: 'rehearsal_loader', password: 'rehearsal-loader-local' };
    const postgres = await connect({ database: 'postgres' });
    await postgres.query(`create role ${owner.user} login password '${owner.password}'`);
    const { client } = await freshShop(owner);

    // WHEN
    const counts = await loadRehearsalData(client, 1_000);

    // THEN
    expect(await tableCounts(client)).toEqual(counts);
  });

  it('GIVEN the app role on a loaded shop WHEN it writes THEN it works with the grants of appRoleSql', async () => {
    // GIVEN
    const { client, database } = await freshShop();
    await loadRehearsalData(client, 100);
    await client.query(appRoleSql());
    const app = await connect({ database, user: APP_ROLE.user, password: APP_ROLE.password });

    // WHEN
    await writeOrder(app, 'w-1');

    // THEN
    expect((await client.query(`select count(*)::int as n from orders where external_id = 'w-1'`)).rows).toEqual([{ n: 1 }]);
  });

  it('GIVEN fewer rows than tables WHEN loading THEN it is refused before touching the database', async () => {
    // GIVEN
    const { client } = await freshShop();

    // WHEN
    const load = loadRehearsalData(client, 4);

    // THEN
    await expect(load).rejects.toThrow(new RangeError('rows must be an integer of at least 5 (one per table), got 4'));
    expect(Object.values(await tableCounts(client))).toEqual([0, 0, 0, 0, 0]);
  });
});
