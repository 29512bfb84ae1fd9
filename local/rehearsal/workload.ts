import type pg from 'pg';
import type { Operation } from '../application-client';
import { LOADED_ORDER_PREFIX } from './load';
import { writeOrder } from './schema';

/** The tables the clients update: the ones the loader fills most (products is small and read-only). */
export const UPDATED_TABLES = ['customers', 'orders', 'order_items', 'payments'] as const;
export type UpdatedTable = (typeof UPDATED_TABLES)[number];

/**
 * One application write of the shop workload. Keys are loaded rows' ids; for order_items the key
 * is the order's id and the row is its line 1 (the loader gives every loaded order a line 1).
 */
export type ShopWrite =
  | { readonly kind: 'insert' }
  | { readonly kind: 'update'; readonly table: UpdatedTable; readonly key: number }
  | { readonly kind: 'delete'; readonly table: 'payments'; readonly key: number };
export type WriteKind = ShopWrite['kind'];
export const WRITE_KINDS: readonly WriteKind[] = ['insert', 'update', 'delete'];

/** The loaded ids of the tables the workload touches: every id in between exists. */
export type ShopKeys = Readonly<Record<'customers' | 'orders' | 'payments', { readonly min: number; readonly max: number }>>;

/** Shares of the mix; the rest are deletes. Inserts also move the sequences the cutover must carry. */
const INSERT_SHARE = 0.35;
const UPDATE_SHARE = 0.5;
/** Rows per client and table updated again and again, so "the last update wins" is tested, not only "an update arrived". */
const HOT_ROWS = 8;
const HOT_SHARE = 0.5;

/** How an audit names a row: the same string for a write's target and for the row read back. */
export const rowKey = (table: UpdatedTable, key: number | string): string => (table === 'order_items' ? `order_items:${key}/1` : `${table}:${key}`);

/** `{ residue, modulus }`: the ids k with k mod modulus = residue. */
interface KeyClass {
  readonly residue: number;
  readonly modulus: number;
}

/**
 * The writes of client `client` (0-based) of `clients`, drawn from a generator seeded by the client
 * so a run's mix is reproducible. Rows are split between clients by key modulo the client count,
 * so each row is written by one client only and its writes are ordered by that client's attempts:
 * "the last committed update" needs no clock shared between clients. Payments are split once more
 * (modulo twice the count): one half is updated, the other deleted, so an audited row is never
 * both. Each delete targets a row no earlier write of the client touched; once a client has tried
 * every row of its delete half, it inserts instead.
 */
export class ShopWorkload {
  private readonly random: () => number;
  private readonly hot: Readonly<Record<UpdatedTable, readonly number[]>>;
  private readonly deletes: KeySequence;

  constructor(
    readonly client: number,
    readonly clients: number,
    private readonly keys: ShopKeys,
  ) {
    if (!Number.isInteger(clients) || clients < 1 || !Number.isInteger(client) || client < 0 || client >= clients) {
      throw new RangeError(`client must be one of 0..${clients - 1}, got ${client}`);
    }
    this.random = mulberry32(0x5eed + client);
    this.hot = Object.fromEntries(
      UPDATED_TABLES.map((t) => [t, Array.from({ length: HOT_ROWS }, () => this.pick(t)).filter((k): k is number => k !== undefined)]),
    ) as Record<UpdatedTable, number[]>;
    this.deletes = new KeySequence(keys.payments, { residue: clients + client, modulus: 2 * clients }, this.random);
  }

  /** The next write, as ApplicationClient takes it: what it is, and how to perform it with `id`. */
  next(id: string): Operation<ShopWrite> {
    const op = this.choose();
    return { op, run: (client) => perform(client, op, id) };
  }

  private choose(): ShopWrite {
    const r = this.random();
    if (r >= INSERT_SHARE && r < INSERT_SHARE + UPDATE_SHARE) {
      const table = UPDATED_TABLES[Math.floor(this.random() * UPDATED_TABLES.length)]!;
      const hot = this.hot[table];
      const key = hot.length > 0 && this.random() < HOT_SHARE ? hot[Math.floor(this.random() * hot.length)] : this.pick(table);
      if (key !== undefined) return { kind: 'update', table, key };
    } else if (r >= INSERT_SHARE + UPDATE_SHARE) {
      const key = this.deletes.next();
      if (key !== undefined) return { kind: 'delete', table: 'payments', key };
    }
    return { kind: 'insert' };
  }

  /** A row of `table` this client updates, uniformly over the table; undefined when it owns none. */
  private pick(table: UpdatedTable): number | undefined {
    const range = table === 'order_items' ? this.keys.orders : this.keys[table];
    const owned = table === 'payments' ? { residue: this.client, modulus: 2 * this.clients } : { residue: this.client, modulus: this.clients };
    const first = firstOf(range, owned);
    const count = countOf(range, owned);
    return count === 0 ? undefined : first + owned.modulus * Math.floor(this.random() * count);
  }
}

const UPDATE_SQL: Readonly<Record<UpdatedTable, string>> = {
  customers: 'update public.customers set last_write_id = $2 where id = $1',
  orders: 'update public.orders set last_write_id = $2 where id = $1',
  order_items: 'update public.order_items set last_write_id = $2 where order_id = $1 and line = 1',
  payments: 'update public.payments set last_write_id = $2 where id = $1',
};

/**
 * One statement under autocommit (its own transaction, one round trip), as ApplicationClient
 * needs for its outcomes. A row count other than expected is not checked here: the audit reads
 * the final rows and finds a missing one either way.
 */
async function perform(client: pg.Client, op: ShopWrite, id: string): Promise<void> {
  if (op.kind === 'insert') await writeOrder(client, id);
  else if (op.kind === 'update') await client.query(UPDATE_SQL[op.table], [op.key, id]);
  else await client.query('delete from public.payments where id = $1', [op.key]);
}

/** The loaded id range of each table the workload touches, read after the load and before the clients start. */
export async function readShopKeys(client: pg.ClientBase): Promise<ShopKeys> {
  const range = async (table: string) => {
    const { rows } = await client.query<{ min: string | null; max: string | null }>(`select min(id)::text as min, max(id)::text as max from public.${table}`);
    return { min: Number(rows[0]?.min ?? 1), max: Number(rows[0]?.max ?? 0) };
  };
  return { customers: await range('customers'), orders: await range('orders'), payments: await range('payments') };
}

/** What the audit reads back from the final primary. */
export interface ShopState {
  /** One entry per order that was not loaded: its external id and how many lines it has. */
  readonly orders: ReadonlyArray<{ readonly id: string; readonly items: number }>;
  /** `last_write_id` by rowKey, for every row an update targeted (absent: the row is gone) and every row that has one. */
  readonly lastWriteIds: ReadonlyMap<string, string | null>;
  /** The rowKeys of the rows a delete targeted that are still there. */
  readonly present: ReadonlySet<string>;
}

/**
 * Reads what the writes left on `client`'s database. Rows with a last_write_id are read whether or
 * not an update targeted them, so a value that lands on the wrong row shows too (a scan of each
 * updated table, once, after the clients stopped).
 */
export async function readShopState(client: pg.ClientBase, writes: readonly ShopWrite[]): Promise<ShopState> {
  const orders = await client.query<{ id: string; items: number }>(
    `select o.external_id as id, count(i.line)::int as items
       from public.orders o left join public.order_items i on i.order_id = o.id
      where not starts_with(o.external_id, $1::text)
      group by o.id`,
    [LOADED_ORDER_PREFIX],
  );
  const targeted = (table: UpdatedTable) => [...new Set(writes.filter((w) => w.kind === 'update' && w.table === table).map((w) => (w as { key: number }).key))];
  const lastWriteIds = new Map<string, string | null>();
  for (const table of UPDATED_TABLES) {
    const sql =
      table === 'order_items'
        ? `select order_id::text || '/' || line as key, last_write_id from public.order_items where last_write_id is not null or (line = 1 and order_id = any($1::bigint[]))`
        : `select id::text as key, last_write_id from public.${table} where last_write_id is not null or id = any($1::bigint[])`;
    const { rows } = await client.query<{ key: string; last_write_id: string | null }>(sql, [targeted(table)]);
    // order_items rows come back as "<order>/<line>", any line: a value on another line shows too.
    for (const r of rows) lastWriteIds.set(table === 'order_items' ? `order_items:${r.key}` : rowKey(table, r.key), r.last_write_id);
  }
  const deleted = [...new Set(writes.filter((w) => w.kind === 'delete').map((w) => w.key))];
  const { rows } = await client.query<{ key: string }>(`select id::text as key from public.payments where id = any($1::bigint[])`, [deleted]);
  return { orders: orders.rows, lastWriteIds, present: new Set(rows.map((r) => rowKey('payments', r.key))) };
}

/** The first id of `range` in class `c`. */
const firstOf = (range: { min: number }, c: KeyClass) => range.min + ((((c.residue - range.min) % c.modulus) + c.modulus) % c.modulus);
/** How many ids of `range` are in class `c`. */
const countOf = (range: { min: number; max: number }, c: KeyClass) => {
  const first = firstOf(range, c);
  return first > range.max ? 0 : Math.floor((range.max - first) / c.modulus) + 1;
};

/**
 * The ids of a class in a scattered order without repeats: position i is (start + i * stride) mod
 * count with a stride coprime to the count, a permutation that needs no memory of what was drawn.
 */
class KeySequence {
  private readonly first: number;
  private readonly count: number;
  private readonly start: number;
  private readonly stride: number;
  private drawn = 0;

  constructor(
    range: { min: number; max: number },
    private readonly keyClass: KeyClass,
    random: () => number,
  ) {
    this.first = firstOf(range, keyClass);
    this.count = countOf(range, keyClass);
    this.start = Math.floor(random() * this.count);
    let stride = Math.max(1, Math.floor(this.count * 0.618));
    while (gcd(stride, this.count) !== 1) stride++;
    this.stride = stride;
  }

  next(): number | undefined {
    if (this.drawn >= this.count) return undefined;
    const position = (this.start + this.drawn++ * this.stride) % this.count;
    return this.first + this.keyClass.modulus * position;
  }
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** A small seeded generator (mulberry32): reproducible mixes without a dependency. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
