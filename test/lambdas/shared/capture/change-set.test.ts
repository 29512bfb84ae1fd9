import { describe, expect, it } from 'vitest';
import { ChangeSet, normalizeKeyText } from '../../../../lambdas/shared/capture/change-set';
import type { CaptureCatalog, CapturedRelation } from '../../../../lambdas/shared/capture/tables';
import { relationKey } from '../../../../lambdas/shared/capture/tables';
import type { ColumnInfo } from '../../../../lambdas/shared/compare/data/types';

const column = (name: string, valueClass: ColumnInfo['valueClass'] = 'plain'): ColumnInfo => ({ name, type: 'x', valueClass, baseType: 'x', portableHash: true, integer: false });
const orders = { schema: 'public', name: 'orders' };
const relation = (table: { schema: string; name: string }, key: ColumnInfo[], traceable = true): CapturedRelation => ({ table, key, traceable });

/** orders (key id) with one partition orders_2026; items (key order_id, line); loose (its identity does not cover its key); bag (no key). */
function catalog(): CaptureCatalog {
  const relations = new Map<string, CapturedRelation>([
    [relationKey(orders), relation(orders, [column('id')])],
    [relationKey({ schema: 'public', name: 'orders_2026' }), relation(orders, [column('id')])],
    [relationKey({ schema: 'public', name: 'items' }), relation({ schema: 'public', name: 'items' }, [column('order_id'), column('line', 'numeric')])],
    [relationKey({ schema: 'public', name: 'loose' }), relation({ schema: 'public', name: 'loose' }, [column('id')], false)],
    [relationKey({ schema: 'public', name: 'bag' }), relation({ schema: 'public', name: 'bag' }, [])],
  ]);
  return { relations, tables: [] };
}

describe('ChangeSet', () => {
  it('collects inserted, updated (old and new key) and deleted keys per compared table, a partition under its parent', () => {
    const set = new ChangeSet(catalog());
    set.add(`table public.orders_2026: INSERT: id[bigint]:1 note[text]:'a'`);
    set.add(`table public.orders: UPDATE: old-key: id[bigint]:2 new-tuple: id[bigint]:3 note[text]:'b'`);
    set.add(`table public.orders: UPDATE: id[bigint]:1 note[text]:'c'`);
    set.add(`table public.items: DELETE: order_id[bigint]:1 line[numeric]:2.50`);
    set.add(`table public.unselected: INSERT: id[bigint]:9`);

    expect([...set.keys.get('public.orders')!.values()]).toEqual([['1'], ['2'], ['3']]);
    expect([...set.keys.get('public.items')!.values()]).toEqual([['1', '2.5']]);
    expect(set.keys.has('public.unselected')).toBe(false);
    expect(set.changes).toBe(4);
    expect(set.keyCount()).toBe(4);
    expect(set.has('public.items', ['1', '2.5'])).toBe(true);
  });

  it('sends a table to a whole comparison when a change cannot be traced to its key', () => {
    const set = new ChangeSet(catalog());
    set.add('table public.orders, public.items: TRUNCATE: (no-flags)');
    set.add('table public.loose: UPDATE: id[bigint]:1 v[text]:null');
    set.add('table public.bag: INSERT: v[text]:null');

    expect(Object.fromEntries(set.wholeTables)).toEqual({
      'public.orders': 'TRUNCATE of public.orders',
      'public.items': 'TRUNCATE of public.items',
      'public.loose': 'an UPDATE whose old key the replica identity does not show (the identity does not cover the comparison key)',
      'public.bag': 'no key to verify changed rows by (compared as a multiset of rows)',
    });
    expect(set.keyCount()).toBe(0);
  });

  it('sends a table whole when a key column is not in the change (unchanged TOAST), or a delete has no key', () => {
    const set = new ChangeSet(catalog());
    set.add('table public.orders: UPDATE: id[bigint]:unchanged-toast-datum');
    set.add('table public.items: DELETE: (no-tuple-data)');

    expect(set.wholeTables.get('public.orders')).toBe('key column id of an update is an unchanged TOASTed value in the change record');
    expect(set.wholeTables.get('public.items')).toMatch(/^a DELETE without its key/);
  });
});

describe('normalizeKeyText', () => {
  it('writes keys as the comparison does: numeric without trailing zeros, float -0 as 0, the rest as is', () => {
    expect(['10.00', '10.50', '0.0', '100', 'NaN'].map((t) => normalizeKeyText(t, column('n', 'numeric')))).toEqual(['10', '10.5', '0', '100', 'NaN']);
    expect(['-0', '1.5e-07'].map((t) => normalizeKeyText(t, column('f', 'float')))).toEqual(['0', '1.5e-07']);
    expect(normalizeKeyText('2026-12-02 05:25:49+00', column('t'))).toBe('2026-12-02 05:25:49+00');
    expect(normalizeKeyText('$1.00', column('m', 'money'))).toBeUndefined();
  });
});
