import { describe, expect, it } from 'vitest';
import { dmsTableMappings } from '../../../../../lib/constructs/dms/table-mappings';
import {
  boundariesFromSample,
  boundaryValueProblem,
  keyColumnProblem,
  parallelLoadIn,
  parseTableMappings,
  withParallelLoad,
  type KeyColumn,
} from '../../../../../lambdas/shared/replication/dms/parallel-load';

/** The mappings the stack deploys for `public.*` (selection rules and the marker table), as DMS returns them. */
const DEPLOYED = JSON.stringify(dmsTableMappings('orders', { include: ['public.*'] }));

const column = (typeName: string, extra: Partial<KeyColumn> = {}): KeyColumn => ({ name: 'id', type: typeName, typeName, typeKind: 'b', typmod: -1, ...extra });

describe('DMS parallel-load table mappings', () => {
  it('keeps the deployed rules and adds one ranges rule per split table, numbered after them, values as strings', () => {
    // GIVEN the deployed mappings and two tables split on their keys
    const mappings = parseTableMappings(DEPLOYED)!;
    // WHEN
    const next = withParallelLoad(mappings, [
      { schema: 'public', name: 'order_items', columns: ['order_id', 'line'], boundaries: [['1000', '1'], ['2000', '3']] },
      { schema: 'public', name: 'events', columns: ['id'], boundaries: [['250000'], ['500000'], ['750000']] },
    ]);
    // THEN the deployed rules are untouched, and the new ones follow them
    expect(next.rules.slice(0, mappings.rules.length)).toEqual(mappings.rules);
    expect(next.rules.slice(mappings.rules.length)).toEqual([
      {
        'rule-type': 'table-settings',
        'rule-id': '3',
        'rule-name': 'ferryparallel3',
        'object-locator': { 'schema-name': 'public', 'table-name': 'order_items' },
        'parallel-load': { type: 'ranges', columns: ['order_id', 'line'], boundaries: [['1000', '1'], ['2000', '3']] },
      },
      {
        'rule-type': 'table-settings',
        'rule-id': '4',
        'rule-name': 'ferryparallel4',
        'object-locator': { 'schema-name': 'public', 'table-name': 'events' },
        'parallel-load': { type: 'ranges', columns: ['id'], boundaries: [['250000'], ['500000'], ['750000']] },
      },
    ]);
    // AND a later attempt sees that Ferry's ranges are there, and for which tables
    const seen = parallelLoadIn(parseTableMappings(JSON.stringify(next))!);
    expect(seen.ferry).toBe(true);
    expect([...seen.tables]).toEqual(['public\u0000order_items', 'public\u0000events']);
    expect(parallelLoadIn(mappings).ferry).toBe(false);
  });

  it('refuses mappings without a selection rule, and reads unreadable ones as none', () => {
    // GIVEN mappings that select nothing
    // WHEN / THEN nothing is built on them
    expect(() => withParallelLoad({ rules: [] }, [{ schema: 'public', name: 't', columns: ['id'], boundaries: [['1']] }])).toThrow('hold no selection rule');
    expect(parseTableMappings(undefined)).toBeUndefined();
    expect(parseTableMappings('{"rules": 3}')).toBeUndefined();
  });

  it('bounds segments only on key types whose literals DMS compares as PostgreSQL orders them', () => {
    // GIVEN key columns of several types
    // WHEN / THEN
    for (const ok of [column('int8'), column('uuid'), column('timestamptz'), column('varchar', { typmod: 44 }), column('numeric', { typmod: (12 << 16) + 4 })]) {
      expect(keyColumnProblem(ok), ok.typeName).toBeUndefined();
    }
    expect(keyColumnProblem(column('text'))).toMatch(/LOB \(NCLOB\)/);
    expect(keyColumnProblem(column('varchar'))).toMatch(/no length/);
    expect(keyColumnProblem(column('float8'))).toMatch(/floating-point/);
    expect(keyColumnProblem(column('numeric'))).toMatch(/NUMERIC\(28,6\)/);
    expect(keyColumnProblem(column('int8', { typeKind: 'd', typeName: 'order_id' }))).toMatch(/domain/);
    expect(boundaryValueProblem(column('varchar', { typmod: 44 }), "o'brien")).toMatch(/quote/);
    expect(boundaryValueProblem(column('varchar', { typmod: 44 }), 'obrien')).toBeUndefined();
  });

  it('takes the keys at each quarter of a sorted sample, and none from a sample smaller than the ranges', () => {
    // GIVEN 100 sorted sampled keys
    const keys = Array.from({ length: 100 }, (_, i) => [String(i * 10)]);
    // WHEN / THEN 4 ranges have boundaries at 25, 50 and 75 of the sample
    expect(boundariesFromSample(keys, 4)).toEqual([['250'], ['500'], ['750']]);
    expect(boundariesFromSample(keys.slice(0, 3), 4)).toBeUndefined();
  });
});
