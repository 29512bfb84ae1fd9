import type pg from 'pg';
import { REHEARSAL_TABLES, type RehearsalTable } from './schema';

/** Rows per INSERT: big enough that per-statement overhead vanishes, small enough for steady progress. */
const CHUNK_ROWS = 100_000;

/** Each table's share of the rows asked for; order_items and payments hang off orders as in a real shop. */
const SHARES: Readonly<Record<RehearsalTable, number>> = {
  customers: 0.05,
  products: 0.01,
  orders: 0.3,
  order_items: 0.5,
  payments: 0.14,
};

/** Every loaded order's external id starts with this; the application's writes never do. */
export const LOADED_ORDER_PREFIX = 'ord-';

/** Tables whose `id` comes from a sequence (identity or serial), which explicit ids must not overtake. */
const SEQUENCED = ['customers', 'products', 'orders', 'payments'] as const;
type Sequenced = (typeof SEQUENCED)[number];

/**
 * Fills the rehearsal schema (REHEARSAL_SCHEMA_SQL) with about `rows` rows in total, generated on
 * the server in chunks of ~100k so `onProgress` (rows loaded so far) can show movement. Values are
 * deterministic functions of the row number (the same load gives the same data) and cover what a
 * migration must carry intact: non-ASCII text, jsonb, text[], bytea, enum, timestamptz over a
 * year, numeric with 2 decimals. Runs in one transaction, so a failed load leaves nothing behind;
 * ids continue after what the tables already hold, and each sequence ends past its table's ids.
 * Returns the rows loaded per table.
 */
export async function loadRehearsalData(
  client: pg.ClientBase,
  rows: number,
  onProgress?: (loaded: number) => void,
): Promise<Record<RehearsalTable, number>> {
  if (!Number.isSafeInteger(rows) || rows < REHEARSAL_TABLES.length) {
    throw new RangeError(`rows must be an integer of at least ${REHEARSAL_TABLES.length} (one per table), got ${rows}`);
  }
  const counts = Object.fromEntries(REHEARSAL_TABLES.map((t) => [t, Math.max(1, Math.round(rows * SHARES[t]))])) as Record<RehearsalTable, number>;
  let loaded = 0;

  await client.query('begin');
  try {
    // Losing the tail of a load on a crash is harmless (it is rerun); waiting for each WAL flush is not.
    await client.query('set local synchronous_commit = off');
    // The rows reference only rows of this load (by construction), so checking their ~1.4
    // references per row in per-row triggers roughly doubles the load time for nothing. Only a superuser
    // may skip them (replica mode fires no ordinary triggers, FK checks included); others pay.
    await client.query(`select set_config('session_replication_role', 'replica', true) where current_setting('is_superuser') = 'on'`);
    const statements = insertStatements(await idBases(client), counts);
    for (const table of REHEARSAL_TABLES) {
      for (let from = 1; from <= counts[table]; from += CHUNK_ROWS) {
        const to = Math.min(from + CHUNK_ROWS - 1, counts[table]);
        await client.query(statements[table], [from, to]);
        loaded += to - from + 1;
        onProgress?.(loaded);
      }
    }
    for (const table of SEQUENCED) {
      await client.query(
        `select setval(s, greatest(coalesce(pg_sequence_last_value(s), 0), (select max(id) from public.${table})))
           from (select pg_get_serial_sequence($1, 'id')::regclass as s) as seq`,
        [`public.${table}`],
      );
    }
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  }
  // Row estimates drive the planner and Ferry's own progress and size reporting.
  await client.query(`analyze ${REHEARSAL_TABLES.map((t) => `public.${t}`).join(', ')}`);
  return counts;
}

/** The highest id each table or its sequence has reached: new rows are numbered after it. */
async function idBases(client: pg.ClientBase): Promise<Record<Sequenced, number>> {
  const bases: Partial<Record<Sequenced, number>> = {};
  for (const table of SEQUENCED) {
    const { rows } = await client.query<{ base: string }>(
      `select greatest(coalesce(pg_sequence_last_value(pg_get_serial_sequence($1, 'id')::regclass), 0), coalesce((select max(id) from public.${table}), 0)) as base`,
      [`public.${table}`],
    );
    bases[table] = Number(rows[0]!.base);
  }
  return bases as Record<Sequenced, number>;
}

/*
 * $1..$2 are the chunk's row numbers (1-based, within this load); row i of a table gets id
 * base + i. Bases and counts are integers we computed, written into the text so each statement
 * binds only the chunk. References pick ids within the parent's rows of this load, so the data is
 * consistent by construction. Prime multipliers spread references and values.
 */
const ROWS = 'generate_series($1::bigint, $2::bigint) as g(i)';
const YEAR_MINUTES = 525_600;
/** A moment in 2024 (to the second) chosen by a number: spreads timestamps over the year. */
const aMomentInTheYear = (seed: string) => `(timestamptz '2024-01-01 00:00:00+00' + ((${seed}) % ${YEAR_MINUTES}) * interval '1 minute' + ((${seed}) % 60) * interval '1 second')`;
/** Pick from a text[] literal by a number (arrays are 1-based). */
const pick = (values: readonly string[], by: string) => `(array[${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ')}])[1 + (${by}) % ${values.length}]`;

const FIRST_NAMES = ['Zoë', 'Łukasz', '李', 'Ærø', 'José', 'Søren', 'Amélie', 'Дмитрий', 'Ayşe', 'Đorđe', 'محمد', 'さくら', 'Anna', 'Bjørn', 'Chloé', 'Oğuz', 'Ngọc'];
const LAST_NAMES = ['Müller', 'Kowalczyk', '王', 'Ødegård', 'García', 'Ó Súilleabháin', 'Dvořák', 'Иванова', 'Yılmaz', 'Nguyễn', 'Smith', '佐藤', "O'Brien", 'Škoda'];
const TAGS = ['vip', 'newsletter', 'wholesale', 'returning', 'eu', 'apac', 'b2b', 'früh-käufer'];
const PRODUCT_WORDS = ['Café crème', 'Smørrebrød plate', 'Crêpe pan', 'Über-mug', 'Jalapeño sauce', '抹茶 tea', 'Piñata', 'Façade lamp', 'Æble cider', 'Naïve print'];
const COLORS = ['red', 'green', 'blue', 'black', 'white', 'crème', 'ochre'];
const NOTES = ['Bitte vor 18 Uhr liefern', 'Leave at the door — thanks!', '請放在門口', 'Gift wrap 🎁', 'Fragile: verre'];
const PAYMENT_METHODS = ['card', 'sepa', 'paypal', 'klarna', 'voucher'];

function insertStatements(base: Record<Sequenced, number>, count: Record<RehearsalTable, number>): Record<RehearsalTable, string> {
  for (const n of [...Object.values(base), ...Object.values(count)]) {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a row count or id: ${n}`);
  }
  const customerOf = `(${base.customers} + 1 + (i * 7919) % ${count.customers})`;
  const productOf = `(${base.products} + 1 + (i * 104729) % ${count.products})`;
  const orderOf = `(${base.orders} + 1 + (i - 1) % ${count.orders})`;
  return {
    // Identity GENERATED ALWAYS: explicit ids need the override; the sequence is moved past them after.
    customers: `
      insert into public.customers (id, name, email, created_at, tags) overriding system value
      select ${base.customers} + i,
             ${pick(FIRST_NAMES, 'i')} || ' ' || ${pick(LAST_NAMES, 'i * 31')},
             'customer' || (${base.customers} + i) || '@example.com',
             ${aMomentInTheYear('i * 7907')},
             case when i % 5 = 0 then '{}'::text[]
                  when i % 5 = 1 then array[${pick(TAGS, 'i')}]
                  else array[${pick(TAGS, 'i')}, ${pick(TAGS, 'i / 3 + 1')}] end
        from ${ROWS}`,
    products: `
      insert into public.products (id, sku, name, price, attributes, photo)
      select ${base.products} + i,
             'SKU-' || lpad((${base.products} + i)::text, 8, '0'),
             ${pick(PRODUCT_WORDS, 'i')} || ' #' || i,
             round(((i * 7919) % 99999 + 99) / 100.0, 2),
             jsonb_build_object('color', ${pick(COLORS, 'i')}, 'weight_g', 50 + (i * 13) % 5000,
                                'dimensions', jsonb_build_object('w', i % 40 + 1, 'h', i % 25 + 1, 'd', i % 10 + 1),
                                'in_stock', i % 7 <> 0, 'labels', jsonb_build_array(${pick(TAGS, 'i')}, 'größe-' || (i % 5))),
             case when i % 10 = 0 then null else decode(md5(i::text), 'hex') end
        from ${ROWS}`,
    orders: `
      insert into public.orders (id, customer_id, status, placed_at, total, external_id, note)
      select ${base.orders} + i,
             ${customerOf},
             (case when i % 20 < 12 then 'delivered' when i % 20 < 15 then 'shipped' when i % 20 < 17 then 'paid'
                   when i % 20 < 18 then 'pending' when i % 20 < 19 then 'cancelled' else 'refunded' end)::public.order_status,
             ${aMomentInTheYear('i * 104723')},
             round(((i * 7907) % 500000 + 100) / 100.0, 2),
             '${LOADED_ORDER_PREFIX}' || (${base.orders} + i),
             case when i % 9 = 0 then ${pick(NOTES, 'i / 9')} end
        from ${ROWS}`,
    // Line numbers count up per order: row i is line (i-1) / orders + 1 of order (i-1) % orders + 1.
    order_items: `
      insert into public.order_items (order_id, line, product_id, quantity, unit_price)
      select ${orderOf}, 1 + (i - 1) / ${count.orders}, ${productOf}, 1 + i % 5, round(((i * 6661) % 99999 + 99) / 100.0, 2)
        from ${ROWS}`,
    payments: `
      insert into public.payments (id, order_id, amount, paid_at, details)
      select ${base.payments} + i,
             ${orderOf},
             round(((i * 7907) % 500000 + 100) / 100.0, 2),
             ${aMomentInTheYear('i * 104723 + 90')},
             jsonb_build_object('method', ${pick(PAYMENT_METHODS, 'i')}, 'currency', 'EUR', 'last4', lpad(((i * 37) % 10000)::text, 4, '0'),
                                'captured', i % 50 <> 0, 'psp_reference', md5('psp' || i))
        from ${ROWS}`,
  };
}
