import { describe, expect, it } from 'vitest';
import { driftGroup, driftJson, renderDrift } from '../../bin/cli/render-drift';
import type { DriftDifference, DriftResult } from '../../lambdas/shared/drift/types';

function result(differences: DriftDifference[], incomplete: string[] = []): DriftResult {
  return {
    mode: 'source-target',
    differences,
    counts: { schema: differences.length, data: 0, sequences: 0, byKind: {} },
    incomplete,
    fingerprint: 'f',
  };
}

const noteMissing: DriftDifference = { kind: 'column-missing', object: 'public.orders.note', source: 'note text', target: null, severity: 'error' };
const ordersExtra: DriftDifference = { kind: 'table-extra', object: 'table public.audit', source: null, target: ['id bigint NOT NULL'], severity: 'warning' };
const checkExtra: DriftDifference = {
  kind: 'check-constraint-extra',
  object: 'constraint public.orders.total_positive',
  source: null,
  target: 'CHECK (total > (0)::numeric)',
  severity: 'error',
};
const rowsMissing: DriftDifference = {
  kind: 'data-rows-missing',
  object: 'table public.orders',
  source: { rows: 3 },
  target: null,
  severity: 'error',
  detail: '3 rows of the source not on the target: {"id":7}, {"id":8}, {"id":9}',
};
const renamed: DriftDifference = { kind: 'index-renamed', object: 'index public.orders_total_idx', source: 'orders_total_idx', target: 'orders_sum_idx', severity: 'info' };

describe('drift: grouping differences by object', () => {
  it('lists columns, constraints and triggers under their table, and everything else under itself', () => {
    expect(driftGroup('public.orders.note')).toBe('table public.orders');
    expect(driftGroup('constraint public.orders.orders_pkey')).toBe('table public.orders');
    expect(driftGroup('trigger public.orders.audit')).toBe('table public.orders');
    expect(driftGroup('table public.orders')).toBe('table public.orders');
    expect(driftGroup('index public.orders_total_idx')).toBe('index public.orders_total_idx');
    expect(driftGroup('materialized view public.totals')).toBe('materialized view public.totals');
    expect(driftGroup('extension pgcrypto')).toBe('extension pgcrypto');
  });

  it('lists policies under their table, and functions, schemas and partitions under themselves', () => {
    expect(driftGroup('policy public.orders.tenant_isolation')).toBe('table public.orders');
    expect(driftGroup('function public.total(integer)')).toBe('function public.total(integer)');
    expect(driftGroup('procedure public.archive(date)')).toBe('procedure public.archive(date)');
    expect(driftGroup('schema billing')).toBe('schema billing');
    expect(driftGroup('partition public.events_2026')).toBe('partition public.events_2026');
  });

  it('treats a column whose name has a space as a column, not as a kind prefix', () => {
    expect(driftGroup('public.orders.my note')).toBe('table public.orders');
  });
});

describe('drift: the human output', () => {
  it('groups differences under their table, the table’s own first, saying what each side has', () => {
    // GIVEN differences in the order detectDrift sorts them (by object)
    const out = renderDrift(result([checkExtra, renamed, noteMissing, ordersExtra, rowsMissing]), 'source');

    // THEN
    expect(out).toBe(
      [
        'index public.orders_total_idx',
        '  index-renamed           index public.orders_total_idx: the source has "orders_total_idx", the target has "orders_sum_idx"   [info]',
        '',
        'table public.audit',
        '  table-extra             table public.audit: the source has nothing, the target has ["id bigint NOT NULL"]   [warning]',
        '',
        'table public.orders',
        '  data-rows-missing       table public.orders: the source has 3 rows, the target has nothing   [error]',
        '      3 rows of the source not on the target: {"id":7}, {"id":8}, {"id":9}',
        '  check-constraint-extra  constraint public.orders.total_positive: the source has nothing, the target has "CHECK (total > (0)::numeric)"   [error]',
        '  column-missing          public.orders.note: the source has "note text", the target has nothing   [error]',
        '',
        '5 differences: 3 errors, 1 warning, 1 info',
        '',
      ].join('\n'),
    );
  });

  it('calls the left side "snapshot" when the target was compared with a snapshot', () => {
    const out = renderDrift({ ...result([noteMissing]), mode: 'snapshot-target' }, 'snapshot');

    expect(out).toContain('public.orders.note: the snapshot has "note text", the target has nothing   [error]');
    expect(out).not.toContain('source');
    expect(out).toContain('1 difference: 1 error, 0 warnings, 0 info');
  });

  it('says a sequence near its end in words, naming the side, not what the other side lacks', () => {
    const exhausted: DriftDifference = {
      kind: 'sequence-exhaustion',
      object: 'sequence public.orders_id_seq',
      source: null,
      target: { lastValue: '2040109465', minValue: '1', maxValue: '2147483647', percentUsed: 95 },
      severity: 'error',
      detail: 'on the target: 95.00% of its range used (last value 2040109465, max 2147483647)',
    };

    expect(renderDrift(result([exhausted]), 'source').split('\n').slice(0, 2)).toEqual([
      'sequence public.orders_id_seq',
      '  sequence-exhaustion  sequence public.orders_id_seq: on the target: 95.00% of its range used (last value 2040109465, max 2147483647)   [error]',
    ]);
  });

  it('puts long values on lines of their own', () => {
    const long = 'SELECT ' + 'o.id, '.repeat(40) + 'o.total FROM public.orders o';
    const view: DriftDifference = { kind: 'view-definition', object: 'view public.totals', source: long, target: `${long} WHERE true`, severity: 'error' };

    const lines = renderDrift(result([view]), 'source').split('\n');

    expect(lines.slice(0, 4)).toEqual(['view public.totals', '  view-definition  view public.totals   [error]', `      the source has: ${JSON.stringify(long)}`, `      the target has: ${JSON.stringify(`${long} WHERE true`)}`]);
  });

  it('says "No drift." when nothing differs', () => {
    expect(renderDrift(result([]), 'source')).toBe('No drift.\n');
  });

  it('says what the data part covered, with its notes', () => {
    const sampled: DriftResult = {
      ...result([]),
      data: { mode: 'sample', compared: true, tables: 2, rows: 12_345, segments: { compared: 8, planned: 40 }, notes: ['public.events: no primary key'] },
    };
    const withSnapshot: DriftResult = {
      ...result([]),
      mode: 'snapshot-target',
      data: { mode: 'full', compared: false, tables: 0, rows: 0, notes: ['data not compared: a schema snapshot holds no rows'] },
    };

    expect(renderDrift(sampled, 'source')).toBe('Data (sample): 2 table(s), 8 of 40 segments, 12,345 rows compared\n  public.events: no primary key\n\nNo drift.\n');
    expect(renderDrift(withSnapshot, 'snapshot')).toBe('data not compared: a schema snapshot holds no rows\n\nNo drift.\n');
  });

  it('names the tables whose data was not compared in time', () => {
    expect(renderDrift(result([], ['public.big', 'public.huge']), 'source')).toBe('Data not compared in time: public.big, public.huge\n\nNo drift.\n');
  });
});

describe('drift: the --json document', () => {
  it('holds exactly kind, object, source, target and severity per difference', () => {
    expect(driftJson(result([rowsMissing, noteMissing]))).toEqual({
      differences: [
        { kind: 'data-rows-missing', object: 'table public.orders', source: { rows: 3 }, target: null, severity: 'error' },
        { kind: 'column-missing', object: 'public.orders.note', source: 'note text', target: null, severity: 'error' },
      ],
    });
  });
});
