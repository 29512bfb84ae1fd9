import { describe, expect, it } from 'vitest';
import type { WriteAttempt } from '../../../local/continuous-writer';
import {
  exitCodeOf,
  longestGapMs,
  type RehearsalReport,
  renderReport,
  reportJson,
  writeFigures,
} from '../../../local/rehearsal/report';

const PASSING: RehearsalReport = {
  outcome: 'completed',
  rows: 1_000_000,
  rollback: false,
  totalMs: 80_000,
  phases: [
    { name: 'copy', ms: 40_000 },
    { name: 'compare', ms: 20_000 },
    { name: 'cutover', ms: 12_000 },
  ],
  rowsCompared: 1_000_000,
  compareRowsPerSecond: 50_000,
  writeUnavailableMs: 1_234,
  committedWrites: 12_345,
  failedWrites: 7,
  writesOnFinalPrimary: 12_345,
  lostWrites: 0,
  duplicateWrites: 0,
  lost: [],
  duplicated: [],
  finalPrimary: 'target',
};

const lastLine = (text: string) => text.trimEnd().split('\n').at(-1);

describe('renderReport', () => {
  it('shows each phase with its time and share of the whole run, and the time outside phases', () => {
    // Act
    const text = renderReport(PASSING);

    // Assess
    expect(text).toMatch(/copy\s+40\.0 s\s+50%/);
    expect(text).toMatch(/compare\s+20\.0 s\s+25%/);
    expect(text).toMatch(/cutover\s+12\.0 s\s+15%/);
    expect(text).toMatch(/\(outside phases\)\s+8\.0 s\s+10%/);
    expect(text).toMatch(/total\s+80\.0 s\s+100%/);
  });

  it('shows the comparison and every write figure', () => {
    // Act
    const text = renderReport(PASSING);

    // Assess
    expect(text).toContain('Comparison: 1,000,000 rows compared, 50,000 rows/s');
    expect(text).toMatch(/committed\s+12,345/);
    expect(text).toMatch(/failed\s+7\s+rejected during the freeze: expected/);
    expect(text).toMatch(/on the final primary \(target\)\s+12,345/);
    expect(text).toMatch(/lost\s+0/);
    expect(text).toMatch(/duplicated\s+0/);
    expect(text).toMatch(/write-unavailable window\s+1,234 ms/);
  });

  it('ends with PASSED when every target is met', () => {
    // Act
    const text = renderReport(PASSING);

    // Assess
    expect(lastLine(text)).toBe('PASSED: whole run 80.0 s < 120.0 s, write-unavailable 1,234 ms < 2,000 ms, 0 lost, 0 duplicated');
  });

  it('ends with FAILED naming the write window when it reached 2,000 ms', () => {
    // Act
    const text = renderReport({ ...PASSING, writeUnavailableMs: 2_000 });

    // Assess
    expect(lastLine(text)).toBe('FAILED: write-unavailable 2,000 ms (target < 2,000 ms)');
  });

  it('ends with FAILED naming the whole-run time when it reached 120 s at the default size', () => {
    // Act
    const text = renderReport({ ...PASSING, totalMs: 130_000 });

    // Assess
    expect(lastLine(text)).toBe('FAILED: whole run 130.0 s (target < 120.0 s)');
  });

  it('does not judge the time above 1,000,000 rows, and says so', () => {
    // Act
    const text = renderReport({ ...PASSING, rows: 5_000_000, totalMs: 600_000 });

    // Assess
    expect(lastLine(text)).toBe('PASSED: write-unavailable 1,234 ms < 2,000 ms, 0 lost, 0 duplicated; time target not applied above 1,000,000 rows');
  });

  it('lists the first lost and duplicated ids, and names both missed targets', () => {
    // Prepare
    const report: RehearsalReport = { ...PASSING, lostWrites: 12, lost: ['w-1', 'w-2'], duplicateWrites: 1, duplicated: ['w-9'] };

    // Act
    const text = renderReport(report);

    // Assess
    expect(text).toMatch(/lost\s+12\s+w-1, w-2, \.\.\. and 10 more/);
    expect(text).toMatch(/duplicated\s+1\s+w-9\n/);
    expect(lastLine(text)).toBe('FAILED: 12 lost write(s) (target 0); 1 duplicated write(s) (target 0)');
  });

  it('shows the error of a failed run and fails on it first', () => {
    // Act
    const text = renderReport({ ...PASSING, outcome: 'failed', error: 'Compare found 3 differences', finalPrimary: 'source' });

    // Assess
    expect(text).toContain('Error: Compare found 3 differences');
    expect(text).toMatch(/on the final primary \(source\)/);
    expect(lastLine(text)).toBe('FAILED: the run failed: Compare found 3 differences');
  });
});

describe('reportJson', () => {
  it('holds the measured figures and each target judged, as plain JSON', () => {
    // Act
    const json = JSON.parse(JSON.stringify(reportJson({ ...PASSING, writeUnavailableMs: 2_500 })));

    // Assess
    expect(json).toMatchObject({
      phases: PASSING.phases,
      rowsCompared: 1_000_000,
      compareRowsPerSecond: 50_000,
      writeUnavailableMs: 2_500,
      committedWrites: 12_345,
      lostWrites: 0,
      duplicateWrites: 0,
      passed: false,
    });
    expect(json.targets.map((t: any) => [t.name, t.met])).toEqual([
      ['totalMs', true],
      ['writeUnavailableMs', false],
      ['lostWrites', true],
      ['duplicateWrites', true],
    ]);
    expect(json).not.toHaveProperty('error');
  });
});

describe('exitCodeOf', () => {
  it('is 0 for a completed run without lost or duplicated writes', () => {
    expect(exitCodeOf(PASSING)).toBe(0);
  });

  it('is 0 when only a time target is missed: the guarantees held', () => {
    expect(exitCodeOf({ ...PASSING, totalMs: 500_000, writeUnavailableMs: 9_000 })).toBe(0);
  });

  it('is 1 when a write was lost', () => {
    expect(exitCodeOf({ ...PASSING, lostWrites: 1, lost: ['w-1'] })).toBe(1);
  });

  it('is 1 when a write was duplicated', () => {
    expect(exitCodeOf({ ...PASSING, duplicateWrites: 1, duplicated: ['w-1'] })).toBe(1);
  });

  it('is 1 when the run failed', () => {
    expect(exitCodeOf({ ...PASSING, outcome: 'failed', error: 'boom' })).toBe(1);
  });
});

describe('longestGapMs', () => {
  const at = (...times: Array<number | [number, false]>) =>
    times.map((t) => (Array.isArray(t) ? { committed: false, at: t[0] } : { committed: true, at: t }));

  it('is the longest time between consecutive committed writes, ignoring failed ones', () => {
    // Prepare
    const attempts = at(0, 10, [500, false], [900, false], 1000.4, 1010);

    // Act
    const gap = longestGapMs(attempts);

    // Assess
    expect(gap).toBe(990);
  });

  it('is 0 with fewer than two committed writes', () => {
    expect(longestGapMs([])).toBe(0);
    expect(longestGapMs(at(5, [9, false]))).toBe(0);
  });

  it('sorts writes that were recorded out of order', () => {
    expect(longestGapMs(at(300, 0, 100))).toBe(200);
  });

  it('with a window, counts only the gap around it, not a longer one elsewhere', () => {
    // Prepare: a 5 s stall while loading, then a 700 ms freeze at 10,000-10,500
    const attempts = at(0, 5_000, 9_900, [10_100, false], 10_600, 11_000);

    // Act
    const gap = longestGapMs(attempts, 10_000, 10_500);

    // Assess
    expect(gap).toBe(700);
  });

  it('with a window, counts the time to its end when writes never came back', () => {
    // Prepare
    const attempts = at(0, 100, 200, [300, false], [400, false]);

    // Act
    const gap = longestGapMs(attempts, 250, 3_000);

    // Assess
    expect(gap).toBe(2_800);
  });

  it('with only a start, counts gaps that end after it', () => {
    expect(longestGapMs(at(0, 1_000, 1_100, 1_400), 1_050)).toBe(300);
  });
});

describe('writeFigures', () => {
  it('audits the committed writes against the rows on the final primary and keeps the first ids', () => {
    // Prepare
    const attempts: WriteAttempt[] = [
      { id: 'w-1', committed: true, at: 1 },
      { id: 'w-2', committed: true, at: 2 },
      { id: 'w-3', committed: false, at: 3, error: 'terminating connection' },
      { id: 'w-4', committed: true, at: 4 },
      { id: 'w-5', committed: true, at: 5 },
    ];
    const rows = [{ id: 'w-1' }, { id: 'w-1' }, { id: 'w-3' }, { id: 'w-4' }];

    // Act
    const figures = writeFigures(attempts, rows, 1);

    // Assess
    expect(figures).toEqual({
      committedWrites: 4,
      failedWrites: 1,
      writesOnFinalPrimary: 4,
      lostWrites: 2,
      duplicateWrites: 1,
      lost: ['w-2'],
      duplicated: ['w-1'],
    });
  });
});
