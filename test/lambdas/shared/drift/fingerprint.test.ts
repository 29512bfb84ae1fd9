import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, driftFingerprint, sortDifferences } from '../../../../lambdas/shared/drift/fingerprint';
import type { DriftDifference } from '../../../../lambdas/shared/drift/types';

const missingColumn: DriftDifference = { kind: 'column-missing', object: 'public.orders.note', source: 'note text', target: null, severity: 'error' };
const extraTable: DriftDifference = { kind: 'table-extra', object: 'table public.scratch', source: null, target: ['id integer'], severity: 'warning' };
const rowsMissing: DriftDifference = {
  kind: 'data-rows-missing',
  object: 'table public.orders',
  source: { rows: 2 },
  target: null,
  severity: 'error',
  detail: '2 rows of the source not on the target: {"id":3}, {"id":4}',
};
const rowsChanged: DriftDifference = { ...rowsMissing, kind: 'data-rows-changed', source: { rows: 1 }, target: { rows: 1 }, detail: '1 row ...' };

function exhaustion(side: 'source' | 'target', lastValue: string, percentUsed: number, severity: 'warning' | 'error'): DriftDifference {
  const value = { lastValue, minValue: '1', maxValue: '32767', percentUsed };
  return {
    kind: 'sequence-exhaustion',
    object: 'sequence public.small',
    source: side === 'source' ? value : null,
    target: side === 'target' ? value : null,
    severity,
    detail: `on the ${side}: ${percentUsed}% of its range used`,
  };
}

describe('canonical JSON', () => {
  it('writes object keys in code-point order at every level and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1], c: 'x' }, B: null })).toBe('{"B":null,"a":{"c":"x","d":[3,1]},"b":1}');
  });

  it('leaves out undefined properties and writes bigints as decimal strings', () => {
    expect(canonicalJson({ a: undefined, n: 9007199254740993n })).toBe('{"n":"9007199254740993"}');
  });
});

describe('the order of differences', () => {
  it('is by object, then kind, then values', () => {
    const unsorted = [rowsMissing, extraTable, rowsChanged, missingColumn];

    expect(sortDifferences(unsorted)).toEqual([missingColumn, rowsChanged, rowsMissing, extraTable]);
  });

  it('puts the same kind on the same object in a fixed order by value', () => {
    const a = exhaustion('source', '30000', 91.55, 'warning');
    const b = exhaustion('target', '27000', 82.39, 'warning');

    expect(sortDifferences([a, b])).toEqual(sortDifferences([b, a]));
  });
});

describe('the drift fingerprint', () => {
  it('is the sha256 of an empty list when there is no drift', () => {
    expect(driftFingerprint([])).toBe(createHash('sha256').update('[]').digest('hex'));
  });

  it('does not depend on the order of the differences or of their properties', () => {
    // Prepare: the same difference built with its properties in another order.
    const reordered = JSON.parse(
      JSON.stringify({ severity: 'warning', target: ['id integer'], source: null, object: 'table public.scratch', kind: 'table-extra' }),
    ) as DriftDifference;

    // Act
    const a = driftFingerprint([missingColumn, extraTable, rowsMissing]);
    const b = driftFingerprint([rowsMissing, reordered, missingColumn]);

    // Assess
    expect(b).toBe(a);
  });

  it('changes with a kind, an object, a value, a severity or a detail', () => {
    const base = driftFingerprint([rowsMissing]);
    const variants = [
      { ...rowsMissing, kind: 'data-rows-extra' },
      { ...rowsMissing, object: 'table public.lines' },
      { ...rowsMissing, source: { rows: 3 } },
      { ...rowsMissing, severity: 'warning' as const },
      { ...rowsMissing, detail: '2 rows of the source not on the target: {"id":3}, {"id":5}' },
    ];

    const fingerprints = variants.map((v) => driftFingerprint([v]));

    expect(new Set([base, ...fingerprints]).size).toBe(variants.length + 1);
  });

  it('ignores sequence values moving on, but not a sequence changing side or severity', () => {
    const warned = driftFingerprint([exhaustion('target', '27000', 82.39, 'warning')]);

    expect(driftFingerprint([exhaustion('target', '27100', 82.7, 'warning')])).toBe(warned);
    expect(driftFingerprint([exhaustion('target', '31500', 96.13, 'error')])).not.toBe(warned);
    expect(driftFingerprint([exhaustion('source', '27000', 82.39, 'warning')])).not.toBe(warned);
  });

  it('ignores how far a sequence trails, but not that it does', () => {
    const behind = (source: string, target: string): DriftDifference => ({
      kind: 'sequence-behind',
      object: 'sequence public.orders_id_seq',
      source,
      target,
      severity: 'warning',
      detail: `the target's next value trails the source's by ${Number(source) - Number(target)}`,
    });

    expect(driftFingerprint([behind('500', '10')])).toBe(driftFingerprint([behind('900', '10')]));
    expect(driftFingerprint([behind('500', '10')])).not.toBe(driftFingerprint([]));
  });
});
