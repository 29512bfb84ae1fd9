import { describe, expect, it } from 'vitest';
import type { AttemptOf, WriteOutcome } from '../../../local/application-client';
import { auditShopWrites } from '../../../local/rehearsal/audit';
import { rowKey, type ShopState, type ShopWrite } from '../../../local/rehearsal/workload';

let at = 0;
/** One attempt of the given write with the given outcome. */
function attempt(id: string, op: ShopWrite, outcome: WriteOutcome): AttemptOf<ShopWrite> {
  return { id, op, outcome, committed: outcome === 'committed', at: ++at, ...(outcome === 'committed' ? {} : { error: outcome === 'failed' ? 'permission denied for table orders' : 'terminating connection due to administrator command' }) };
}
const insert = (id: string, outcome: WriteOutcome) => attempt(id, { kind: 'insert' }, outcome);
const update = (id: string, key: number, outcome: WriteOutcome, table: 'customers' | 'orders' | 'order_items' | 'payments' = 'orders') => attempt(id, { kind: 'update', table, key }, outcome);
const del = (id: string, key: number, outcome: WriteOutcome) => attempt(id, { kind: 'delete', table: 'payments', key }, outcome);

/** A final primary: inserted orders (each with one line unless said), rows' last_write_id, delete targets still there. */
function state(s: { orders?: Array<string | { id: string; items: number }>; rows?: Record<string, string | null>; present?: number[] }): ShopState {
  return {
    orders: (s.orders ?? []).map((o) => (typeof o === 'string' ? { id: o, items: 1 } : o)),
    lastWriteIds: new Map(Object.entries(s.rows ?? {})),
    present: new Set((s.present ?? []).map((k) => rowKey('payments', k))),
  };
}

const problems = (audit: ReturnType<typeof auditShopWrites>) => audit.findings.map((f) => `${f.problem} ${f.kind} ${f.id}`);

describe('auditShopWrites', () => {
  it('accepts a run in which every committed write is there and no failed one is, and counts each kind by outcome', () => {
    // Prepare
    const attempts = [
      insert('w1-1', 'committed'),
      insert('w1-2', 'failed'),
      update('w1-3', 7, 'committed'),
      update('w1-4', 7, 'committed'),
      update('w1-5', 7, 'failed'),
      update('w1-6', 11, 'committed', 'order_items'),
      del('w1-7', 40, 'committed'),
      del('w1-8', 41, 'failed'),
    ];
    const final = state({ orders: ['w1-1'], rows: { [rowKey('orders', 7)]: 'w1-4', [rowKey('order_items', 11)]: 'w1-6' }, present: [41] });

    // Act
    const audit = auditShopWrites(attempts, final);

    // Assess
    expect(audit.findings).toEqual([]);
    expect(audit.byKind).toEqual({
      insert: { committed: 1, failed: 1, unknown: 0, lost: 0, duplicated: 0, phantom: 0 },
      update: { committed: 3, failed: 1, unknown: 0, lost: 0, duplicated: 0, phantom: 0 },
      delete: { committed: 1, failed: 1, unknown: 0, lost: 0, duplicated: 0, phantom: 0 },
    });
  });

  describe('inserts', () => {
    it('finds a committed insert that is missing (lost), there twice (duplicated), or there without its line (lost)', () => {
      // Act
      const audit = auditShopWrites([insert('w1-1', 'committed'), insert('w1-2', 'committed'), insert('w1-3', 'committed')], state({ orders: ['w1-2', 'w1-2', { id: 'w1-3', items: 0 }] }));

      // Assess
      expect(problems(audit)).toEqual(['lost insert w1-1', 'duplicated insert w1-2', 'lost insert w1-3']);
      expect(audit.byKind.insert).toMatchObject({ lost: 2, duplicated: 1 });
    });

    it('finds a failed insert whose order is there, and an order no client inserted (phantom)', () => {
      // Act
      const audit = auditShopWrites([insert('w1-1', 'failed')], state({ orders: ['w1-1', 'w9-1'] }));

      // Assess
      expect(problems(audit)).toEqual(['phantom insert w1-1', 'phantom insert w9-1']);
    });

    it('accepts an unknown insert there once or not at all, but not twice', () => {
      // Act
      const audit = auditShopWrites([insert('w1-1', 'unknown'), insert('w1-2', 'unknown'), insert('w1-3', 'unknown')], state({ orders: ['w1-1', 'w1-3', 'w1-3'] }));

      // Assess
      expect(problems(audit)).toEqual(['duplicated insert w1-3']);
    });
  });

  describe('updates', () => {
    it('finds a planted lost update: the row holds an earlier committed update instead of the last one', () => {
      // Act
      const audit = auditShopWrites([update('w2-1', 5, 'committed'), update('w2-2', 5, 'committed')], state({ rows: { [rowKey('orders', 5)]: 'w2-1' } }));

      // Assess
      expect(problems(audit)).toEqual(['lost update w2-2']);
      expect(audit.findings[0]!.explanation).toBe('row orders:5 holds w2-1, an earlier update, instead of w2-2, its last committed update');
    });

    it('finds a committed update of a row that still holds its loaded value, or that is gone', () => {
      // Act
      const audit = auditShopWrites([update('w2-1', 5, 'committed', 'customers'), update('w2-2', 6, 'committed', 'payments')], state({ rows: { [rowKey('customers', 5)]: null } }));

      // Assess
      expect(problems(audit)).toEqual(['lost update w2-1', 'lost update w2-2']);
      expect(audit.findings[1]!.explanation).toBe('row payments:6 is gone (updates only change rows)');
    });

    it('accepts the id of an unknown update made after the last committed one, or the last committed one itself', () => {
      // Prepare
      const attempts = [update('w2-1', 5, 'committed'), update('w2-2', 5, 'unknown'), update('w2-3', 6, 'committed'), update('w2-4', 6, 'unknown')];

      // Act
      const audit = auditShopWrites(attempts, state({ rows: { [rowKey('orders', 5)]: 'w2-2', [rowKey('orders', 6)]: 'w2-3' } }));

      // Assess
      expect(audit.findings).toEqual([]);
    });

    it('does not accept an unknown update made before the last committed one: that one came later and must win', () => {
      // Act
      const audit = auditShopWrites([update('w2-1', 5, 'unknown'), update('w2-2', 5, 'committed')], state({ rows: { [rowKey('orders', 5)]: 'w2-1' } }));

      // Assess
      expect(problems(audit)).toEqual(['lost update w2-2']);
    });

    it('finds the id of a failed update on its row (phantom), after a committed update (which is then not lost) or without one', () => {
      // Prepare
      const attempts = [update('w2-1', 5, 'committed'), update('w2-2', 5, 'failed'), update('w2-3', 6, 'failed')];

      // Act
      const audit = auditShopWrites(attempts, state({ rows: { [rowKey('orders', 5)]: 'w2-2', [rowKey('orders', 6)]: 'w2-3' } }));

      // Assess
      expect(problems(audit)).toEqual(['phantom update w2-2', 'phantom update w2-3']);
    });

    it('finds an id that no update of that row carried, and an id on a row no update targeted (phantom)', () => {
      // Prepare
      const attempts = [update('w2-1', 5, 'committed'), update('w2-2', 6, 'committed')];

      // Act
      const audit = auditShopWrites(attempts, state({ rows: { [rowKey('orders', 5)]: 'w2-2', [rowKey('orders', 6)]: 'w2-2', [rowKey('orders', 9)]: 'w2-1' } }));

      // Assess
      expect(problems(audit)).toEqual(['phantom update w2-2', 'lost update w2-1', 'phantom update w2-1']);
    });
  });

  describe('deletes', () => {
    it('finds a planted resurrected delete: a committed delete whose row is back (lost)', () => {
      // Act
      const audit = auditShopWrites([del('w3-1', 40, 'committed')], state({ present: [40] }));

      // Assess
      expect(problems(audit)).toEqual(['lost delete w3-1']);
      expect(audit.findings[0]!.explanation).toBe('delete w3-1 committed, but row payments:40 is back');
    });

    it('finds a failed delete whose row is gone (phantom), and accepts either for an unknown one', () => {
      // Act
      const audit = auditShopWrites([del('w3-1', 40, 'failed'), del('w3-2', 41, 'unknown'), del('w3-3', 42, 'unknown')], state({ present: [42] }));

      // Assess
      expect(problems(audit)).toEqual(['phantom delete w3-1']);
      expect(audit.byKind.delete).toMatchObject({ failed: 1, unknown: 2, phantom: 1, lost: 0 });
    });
  });
});
