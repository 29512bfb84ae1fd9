import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationClient, type AttemptOf } from '../../../local/application-client';
import { auditShopWrites } from '../../../local/rehearsal/audit';
import { loadRehearsalData } from '../../../local/rehearsal/load';
import { APP_ROLE, appRoleSql, REHEARSAL_SCHEMA_SQL } from '../../../local/rehearsal/schema';
import { readShopKeys, readShopState, ShopWorkload, type ShopKeys, type ShopWrite } from '../../../local/rehearsal/workload';
import { usePostgres } from '../../helpers/postgres';

/** The ids of a 1,000,000-row load (load.ts shares). */
const KEYS: ShopKeys = { customers: { min: 1, max: 50_000 }, orders: { min: 1, max: 300_000 }, payments: { min: 1, max: 140_000 } };

const draw = (workload: ShopWorkload, n: number) => Array.from({ length: n }, (_, i) => workload.next(`w-${i}`).op);
const keyed = (ops: readonly ShopWrite[]) => ops.filter((o): o is Exclude<ShopWrite, { kind: 'insert' }> => o.kind !== 'insert');

describe('ShopWorkload', () => {
  it('mixes inserts, updates and deletes, and draws the same writes again for the same client', () => {
    // Act
    const ops = draw(new ShopWorkload(1, 4, KEYS), 4000);

    // Assess
    const share = (kind: string) => ops.filter((o) => o.kind === kind).length / ops.length;
    expect(share('insert')).toBeGreaterThan(0.3);
    expect(share('update')).toBeGreaterThan(0.45);
    expect(share('delete')).toBeGreaterThan(0.12);
    expect(draw(new ShopWorkload(1, 4, KEYS), 4000)).toEqual(ops);
  });

  it('gives every client rows of its own (key modulo the client count), and splits payments into an updated and a deleted half', () => {
    // Act
    const byClient = [0, 1, 2, 3].map((c) => keyed(draw(new ShopWorkload(c, 4, KEYS), 3000)));

    // Assess
    byClient.forEach((ops, c) => {
      for (const o of ops) {
        if (o.table === 'payments') expect(o.key % 8).toBe(o.kind === 'update' ? c : 4 + c);
        else expect(o.key % 4).toBe(c);
      }
    });
  });

  it('spreads updates over each large table, and updates some rows again and again', () => {
    // Act
    const updates = keyed(draw(new ShopWorkload(0, 4, KEYS), 8000)).filter((o) => o.kind === 'update');

    // Assess
    for (const table of ['customers', 'orders', 'order_items', 'payments'] as const) {
      const keys = updates.filter((o) => o.table === table).map((o) => o.key);
      const max = table === 'order_items' ? KEYS.orders.max : KEYS[table].max;
      const tenths = new Set(keys.map((k) => Math.floor((k - 1) / (max / 10))));
      expect(tenths.size, table).toBe(10);
      const counts = new Map<number, number>();
      for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
      expect(Math.max(...counts.values()), table).toBeGreaterThan(5);
    }
  });

  it('deletes each row at most once, and inserts instead once it has tried every row of its half', () => {
    // Prepare: 16 payments, 2 of them in client 0's deleted half (4 and 12: 4 modulo 8)
    const small: ShopKeys = { ...KEYS, payments: { min: 1, max: 16 } };

    // Act
    const deletes = draw(new ShopWorkload(0, 4, small), 500).filter((o) => o.kind === 'delete');

    // Assess
    expect(deletes.map((o) => o.key).sort((a, b) => a - b)).toEqual([4, 12]);
  });

  it('refuses a client number outside the clients', () => {
    expect(() => new ShopWorkload(4, 4, KEYS)).toThrow('client must be one of 0..3, got 4');
  });
});

describe('the shop workload against a loaded database', () => {
  const server = usePostgres({ database: 'shop' });
  let admin: pg.Client;
  let attempts: ReadonlyArray<AttemptOf<ShopWrite>>;

  beforeAll(async () => {
    admin = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: 'shop' });
    await admin.connect();
    await admin.query(`${REHEARSAL_SCHEMA_SQL};\n${appRoleSql()}`);
    await loadRehearsalData(admin, 20_000);
    const keys = await readShopKeys(admin);
    const clients = [0, 1].map((c) => {
      const workload = new ShopWorkload(c, 2, keys);
      return new ApplicationClient(() => ({ host: server.host, port: server.port, database: 'shop' }), APP_ROLE, `w${c + 1}`, (id) => workload.next(id));
    });
    for (const c of clients) c.start();
    await Promise.all(clients.map((c) => c.committedMore(150)));
    await Promise.all(clients.map((c) => c.stop()));
    attempts = clients.flatMap((c) => c.attempts);
  });
  afterAll(async () => {
    await admin?.end();
  });

  it('commits every kind of write, and the audit finds each one on the database', async () => {
    // Act
    const audit = auditShopWrites(attempts, await readShopState(admin, attempts.map((a) => a.op)));

    // Assess
    expect(audit.findings).toEqual([]);
    for (const kind of ['insert', 'update', 'delete'] as const) expect(audit.byKind[kind].committed, kind).toBeGreaterThan(0);
    expect(attempts.every((a) => a.outcome === 'committed')).toBe(true);
  });

  it('finds a lost update and a resurrected delete planted on the database', async () => {
    // Prepare: put an updated row back to its loaded value, and a deleted payment back
    const updated = attempts.find((a) => a.op.kind === 'update' && a.op.table === 'customers')!;
    const deleted = attempts.find((a) => a.op.kind === 'delete')!;
    const [customer, payment] = [updated.op, deleted.op] as Array<{ key: number }>;
    await admin.query('update customers set last_write_id = null where id = $1', [customer!.key]);
    await admin.query(`insert into payments (id, order_id, amount) values ($1, (select min(id) from orders), 1)`, [payment!.key]);

    // Act
    const audit = auditShopWrites(attempts, await readShopState(admin, attempts.map((a) => a.op)));

    // Assess
    expect(audit.findings.map((f) => `${f.problem} ${f.kind}`).sort()).toEqual(['lost delete', 'lost update']);
    expect(audit.findings.find((f) => f.kind === 'delete')?.id).toBe(deleted.id);
  });
});
