/**
 * The source database of bench:full-load: a shop whose `orders` hold 80% of the rows (bigint key,
 * text and timestamptz columns, 2 secondary indexes), beside customers, products and payments,
 * each with secondary indexes, and 3 foreign keys. Rows come from generate_series, deterministic
 * (the same rows every run), written before the indexes and keys are built.
 */
import type pg from 'pg';
import type { TableName } from '../lambdas/shared/pg/identifiers';

export const TABLES: readonly TableName[] = ['customers', 'products', 'orders', 'payments'].map((name) => ({ schema: 'public', name }));

export const TABLES_SQL = `
create table customers (id bigint primary key, email text not null, name text not null, region smallint not null, created_at timestamptz not null);
create table products (id int primary key, sku text not null, name text not null, category int not null, price numeric(12,2) not null);
create table orders (id bigint primary key, customer_id bigint not null, product_id int not null, reference text not null, status text not null,
                     quantity int not null, amount numeric(12,2) not null, note text, created_at timestamptz not null);
create table payments (id bigint primary key, order_id bigint not null, method text not null, amount numeric(12,2) not null, paid_at timestamptz not null);`;

/** 8 secondary indexes: what Ferry defers; the 4 primary keys stay. */
export const INDEXES_SQL = `
create index customers_email_idx on customers (email);
create index customers_region_created_idx on customers (region, created_at);
create unique index products_sku_idx on products (sku);
create index products_category_idx on products (category);
create index orders_customer_created_idx on orders (customer_id, created_at);
create index orders_reference_idx on orders (reference);
create index payments_order_idx on payments (order_id);
create index payments_paid_at_idx on payments (paid_at);`;

export const FOREIGN_KEYS_SQL = `
alter table orders add constraint orders_customer_fk foreign key (customer_id) references customers (id);
alter table orders add constraint orders_product_fk foreign key (product_id) references products (id);
alter table payments add constraint payments_order_fk foreign key (order_id) references orders (id);`;

/** The whole schema, as the target of the replication rows has it before the load. */
export const SCHEMA_SQL = `${TABLES_SQL}\n${INDEXES_SQL}\n${FOREIGN_KEYS_SQL}`;

export interface SourceSizes {
  readonly customers: number;
  readonly products: number;
  readonly orders: number;
  readonly payments: number;
}

/** `total` rows split 8% / 2% / 80% / 10%; every table has at least one row. */
export function sourceSizes(total: number): SourceSizes {
  const customers = Math.max(1, Math.round(total * 0.08));
  const products = Math.max(1, Math.round(total * 0.02));
  const payments = Math.max(1, Math.round(total * 0.1));
  const orders = Math.max(1, total - customers - products - payments);
  return { customers, products, orders, payments };
}

/**
 * Foreign keys point at existing rows: `1 + (i * 2654435761) % n` (a prime multiplier, so the
 * keys are spread over all of 1..n, not clustered). Order references are hex from md5, so the
 * text index is built from rows in random order, as a real external reference would be.
 */
export async function generateSource(client: pg.Client, sizes: SourceSizes, log: (line: string) => void): Promise<void> {
  await client.query(TABLES_SQL);
  log(`  customers: ${sizes.customers.toLocaleString('en-US')}`);
  await client.query(
    `insert into customers
     select i, 'customer' || i || '@example.com', 'Customer ' || substr(md5(i::text), 1, 12), (i % 50)::smallint,
            timestamptz '2020-01-01 00:00:00+00' + i * interval '37 seconds'
       from generate_series(1, $1::bigint) i`,
    [sizes.customers],
  );
  log(`  products: ${sizes.products.toLocaleString('en-US')}`);
  await client.query(
    `insert into products
     select i, 'SKU-' || lpad(i::text, 9, '0'), 'Product ' || i, i % 200, ((i * 37) % 100000) / 100.0
       from generate_series(1, $1::int) i`,
    [sizes.products],
  );
  log(`  orders: ${sizes.orders.toLocaleString('en-US')}`);
  await client.query(
    `insert into orders
     select i, 1 + (i * 2654435761) % $2::bigint, 1 + (i * 40503) % $3::bigint, 'R' || substr(md5(i::text), 1, 16),
            (array['new', 'paid', 'shipped', 'delivered', 'cancelled'])[1 + i % 5], 1 + (i % 9)::int, ((i * 7) % 100000) / 100.0,
            case when i % 4 = 0 then null else 'note ' || md5((i * 3)::text) end,
            timestamptz '2022-01-01 00:00:00+00' + i * interval '3 seconds'
       from generate_series(1, $1::bigint) i`,
    [sizes.orders, sizes.customers, sizes.products],
  );
  log(`  payments: ${sizes.payments.toLocaleString('en-US')}`);
  await client.query(
    `insert into payments
     select i, 1 + (i * 2654435761) % $2::bigint, (array['card', 'bank', 'wallet'])[1 + i % 3], ((i * 11) % 100000) / 100.0,
            timestamptz '2022-01-01 00:10:00+00' + i * interval '29 seconds'
       from generate_series(1, $1::bigint) i`,
    [sizes.payments, sizes.orders],
  );
  log('  indexes and foreign keys');
  await client.query(INDEXES_SQL);
  await client.query(FOREIGN_KEYS_SQL);
  log('  vacuum analyze');
  await client.query('vacuum analyze');
  await client.query('checkpoint');
}
