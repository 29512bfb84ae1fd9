import { describe, expect, it } from 'vitest';
import { ctidCondition, planUnits, type TableSize } from '../../../../../../lambdas/shared/replication/native/copy/units';

const PAGE = 8192;
const table = (name: string, pages: number, partitioned = false): TableSize => ({ schema: 'public', name, pages, bytes: pages * PAGE, partitioned });

/** The plan of a parallel copy, from table sizes alone. */
describe('planUnits', () => {
  it('splits only tables above the threshold, into ranges covering every page once, largest unit first', () => {
    const plan = planUnits([table('small', 10), table('big', 1003), table('tiny', 3), table('parted', 5000, true)], { parallelTableBytes: 100 * PAGE, rangesPerTable: 4 });

    expect(plan.map((u) => [u.table.name, u.part, u.parts, u.fromPage, u.toPage])).toEqual([
      ['parted', 0, 1, undefined, undefined],
      ['big', 1, 4, 250, 501],
      ['big', 2, 4, 501, 752],
      ['big', 3, 4, 752, undefined],
      ['big', 0, 4, undefined, 250],
      ['small', 0, 1, undefined, undefined],
      ['tiny', 0, 1, undefined, undefined],
    ]);
    expect(plan.filter((u) => u.table.name === 'big').map(ctidCondition).sort()).toEqual([
      "ctid < '(250,0)'::tid",
      "ctid >= '(250,0)'::tid and ctid < '(501,0)'::tid",
      "ctid >= '(501,0)'::tid and ctid < '(752,0)'::tid",
      "ctid >= '(752,0)'::tid",
    ]);
    expect(ctidCondition(plan.find((u) => u.table.name === 'small')!)).toBe('');
  });

  it('cuts a table of fewer pages than ranges into one range per page, and refuses nonsense options', () => {
    expect(planUnits([table('t', 2)], { parallelTableBytes: 0, rangesPerTable: 8 }).map((u) => [u.fromPage, u.toPage])).toEqual([
      [undefined, 1],
      [1, undefined],
    ]);
    expect(planUnits([table('empty', 0)], { parallelTableBytes: 0, rangesPerTable: 8 })).toHaveLength(1);
    expect(() => planUnits([], { parallelTableBytes: 0, rangesPerTable: 0 })).toThrow(RangeError);
    expect(() => planUnits([], { parallelTableBytes: -1, rangesPerTable: 2 })).toThrow(RangeError);
    expect(() => ctidCondition({ fromPage: 1.5 })).toThrow(RangeError);
  });
});
