import { describe, expect, it } from 'vitest';
import { summarize, SUMMARY_TABLE_LIMIT } from '../../../lambdas/compare/run-compare';
import type { TableComparison } from '../../../lambdas/shared/compare/data/types';

function table(i: number, status: TableComparison['status']): TableComparison {
  const key = { ['k'.repeat(63)]: 'v'.repeat(200) };
  return {
    table: `${'s'.repeat(63)}.${'t'.repeat(58)}${String(i).padStart(5, '0')}`,
    rows: 1_000_000_000,
    targetRows: 1_000_000_000,
    status,
    missing: Array.from({ length: 100 }, () => key),
    extra: [],
    changed: [],
    missingTotal: 100,
    extraTotal: 0,
    changedTotal: 0,
    transient: 0,
    warnings: [],
    durationMs: 1,
  };
}

describe('summarize', () => {
  it('fits in a Step Functions payload (256 KB) even for thousands of tables with the longest names', () => {
    const tables = Array.from({ length: 5000 }, (_, i) => table(i, 'different'));
    const summary = summarize({ migrationId: 'orders', runId: 'r' }, { tables, complete: true, pending: [] }, 10, 'REPORT#x');
    expect(Buffer.byteLength(JSON.stringify(summary))).toBeLessThan(256 * 1024);
    expect(summary.tables).toHaveLength(SUMMARY_TABLE_LIMIT);
    expect(summary.tablesNotListed).toBe(5000 - SUMMARY_TABLE_LIMIT);
    expect(summary.differences).toBe(500_000);
    expect(JSON.stringify(summary)).not.toContain('vvvv');
  });

  it('is equal only when complete and no table differs', () => {
    const equal = summarize({ migrationId: 'm', runId: 'r' }, { tables: [table(1, 'warning')], complete: true, pending: [] }, 1);
    const unfinished = summarize({ migrationId: 'm', runId: 'r' }, { tables: [], complete: false, pending: ['public.t'] }, 1);
    expect(equal.equal).toBe(true);
    expect(unfinished.equal).toBe(false);
  });
});
