import { describe, expect, it } from 'vitest';
import type { AttemptOf } from '../../../local/application-client';
import { exitCodeOf, longestGapMs, type RehearsalReport, renderReport, reportJson, windows, writeFigures } from '../../../local/rehearsal/report';
import { rowKey, type ShopWrite } from '../../../local/rehearsal/workload';

const figures = (committed: number, failed: number, unknown = 0) => ({ committed, failed, unknown, lost: 0, duplicated: 0, phantom: 0 });

const PASSING: RehearsalReport = {
  outcome: 'completed',
  rows: 1_000_000,
  rollback: false,
  totalMs: 40_000,
  phases: [
    { name: 'copy', ms: 20_000 },
    { name: 'compare', ms: 10_000 },
    { name: 'cutover', ms: 6_000 },
  ],
  rowsCompared: 1_000_000,
  compareRowsPerSecond: 50_000,
  clients: 2,
  writeUnavailableMs: 1_234,
  mergedWriteUnavailableMs: 1_100,
  perClient: [
    { client: 'w1', writeUnavailableMs: 1_234, cutoverMs: 1_234, committed: 6_000, failed: 4, unknown: 1 },
    { client: 'w2', writeUnavailableMs: 1_150, cutoverMs: 1_150, committed: 6_345, failed: 3, unknown: 0 },
  ],
  writes: { insert: figures(4_000, 2, 1), update: figures(6_345, 4), delete: figures(2_000, 1) },
  committedWrites: 12_345,
  failedWrites: 7,
  unknownWrites: 1,
  writesOnFinalPrimary: 4_001,
  lostWrites: 0,
  duplicateWrites: 0,
  phantomWrites: 0,
  lost: [],
  duplicated: [],
  phantom: [],
  findings: [],
  finalPrimary: 'target',
};

const lastLine = (text: string) => text.trimEnd().split('\n').at(-1);

describe('renderReport', () => {
  it('shows each phase with its time and share of the whole run, and the time outside phases', () => {
    // Act
    const text = renderReport(PASSING);

    // Assess
    expect(text).toMatch(/copy\s+20\.0 s\s+50%/);
    expect(text).toMatch(/compare\s+10\.0 s\s+25%/);
    expect(text).toMatch(/cutover\s+6\.0 s\s+15%/);
    expect(text).toMatch(/\(outside phases\)\s+4\.0 s\s+10%/);
    expect(text).toMatch(/total\s+40\.0 s\s+100%/);
  });

  it('shows the comparison and every write figure by kind, with a total', () => {
    // Act
    const text = renderReport(PASSING);

    // Assess
    expect(text).toContain('Comparison: 1,000,000 rows compared, 50,000 rows/s');
    expect(text).toContain('Writes (2 clients, each on its own rows):');
    expect(text).toMatch(/kind\s+committed\s+failed\s+unknown\s+lost\s+duplicated\s+phantom\n/);
    expect(text).toMatch(/insert\s+4,000\s+2\s+1\s+0\s+0\s+0\n/);
    expect(text).toMatch(/update\s+6,345\s+4\s+0\s+0\s+0\s+0\n/);
    expect(text).toMatch(/delete\s+2,000\s+1\s+0\s+0\s+0\s+0\n/);
    expect(text).toMatch(/total\s+12,345\s+7\s+1\s+0\s+0\s+0\n/);
    expect(text).toContain('failed: certainly not committed (rejected during the freeze: expected)');
    expect(text).toContain('inserted orders on the final primary (target): 4,001');
  });

  it('shows the window of the worst client and of all clients together, then each client with its writes', () => {
    // Act
    const text = renderReport(PASSING);

    // Assess
    expect(text).toContain('Write-unavailable window: 1,234 ms (the longest any client waited; no client could write for 1,100 ms)');
    expect(text).toMatch(/w1\s+1,234 ms\s+cutover 1,234 ms; 6,000 committed, 4 failed, 1 unknown/);
    expect(text).toMatch(/w2\s+1,150 ms\s+cutover 1,150 ms; 6,345 committed, 3 failed, 0 unknown/);
  });

  it("shows each client's rollback window after a rollback", () => {
    // Prepare
    const report: RehearsalReport = { ...PASSING, rollback: true, perClient: [{ client: 'w1', writeUnavailableMs: 1_500, cutoverMs: 1_234, rollbackMs: 1_500, committed: 9, failed: 0, unknown: 0 }] };

    // Act
    const text = renderReport(report);

    // Assess
    expect(text).toMatch(/w1\s+1,500 ms\s+cutover 1,234 ms, rollback 1,500 ms/);
  });

  it('ends with PASSED when every target is met', () => {
    // Act
    const text = renderReport(PASSING);

    // Assess
    expect(lastLine(text)).toBe('PASSED: whole run 40.0 s < 60.0 s, write-unavailable 1,234 ms < 2,000 ms, 0 lost, 0 duplicated, 0 phantom');
  });

  it('ends with FAILED naming the write window when it reached 2,000 ms', () => {
    // Act
    const text = renderReport({ ...PASSING, writeUnavailableMs: 2_000 });

    // Assess
    expect(lastLine(text)).toBe('FAILED: write-unavailable 2,000 ms (target < 2,000 ms)');
  });

  it('ends with FAILED naming the whole-run time when it reached 60 s at the default size', () => {
    // Act
    const text = renderReport({ ...PASSING, totalMs: 70_000 });

    // Assess
    expect(lastLine(text)).toBe('FAILED: whole run 70.0 s (target < 60.0 s)');
  });

  it('does not judge the time above 1,000,000 rows, and says so', () => {
    // Act
    const text = renderReport({ ...PASSING, rows: 5_000_000, totalMs: 600_000 });

    // Assess
    expect(lastLine(text)).toBe('PASSED: write-unavailable 1,234 ms < 2,000 ms, 0 lost, 0 duplicated, 0 phantom; time target not applied above 1,000,000 rows');
  });

  it('lists the first findings, says how many more there are, and names every missed target', () => {
    // Prepare
    const report: RehearsalReport = {
      ...PASSING,
      lostWrites: 12,
      lost: ['w1-1', 'w1-2'],
      duplicateWrites: 1,
      duplicated: ['w1-9'],
      phantomWrites: 1,
      phantom: ['w2-4'],
      findings: ['lost w1-1: insert w1-1 committed, but its order is not there', 'phantom w2-4: row orders:8 holds w2-4, an update that failed (permission denied for table orders)'],
    };

    // Act
    const text = renderReport(report);

    // Assess
    expect(text).toContain('Findings:\n  lost w1-1: insert w1-1 committed, but its order is not there\n  phantom w2-4: row orders:8 holds w2-4');
    expect(text).toContain('  ... and 12 more');
    expect(lastLine(text)).toBe('FAILED: 12 lost write(s) (target 0); 1 duplicated write(s) (target 0); 1 phantom write(s) (target 0)');
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
      clients: 2,
      writeUnavailableMs: 2_500,
      mergedWriteUnavailableMs: 1_100,
      perClient: PASSING.perClient,
      writes: PASSING.writes,
      committedWrites: 12_345,
      failedWrites: 7,
      unknownWrites: 1,
      lostWrites: 0,
      duplicateWrites: 0,
      phantomWrites: 0,
      passed: false,
    });
    expect(json.targets.map((t: any) => [t.name, t.met])).toEqual([
      ['totalMs', true],
      ['writeUnavailableMs', false],
      ['lostWrites', true],
      ['duplicateWrites', true],
      ['phantomWrites', true],
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

  it('is 1 when a write that certainly failed is there anyway', () => {
    expect(exitCodeOf({ ...PASSING, phantomWrites: 1, phantom: ['w1-3'] })).toBe(1);
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

describe('windows', () => {
  const attempts = (...times: Array<number | [number, false]>): Array<AttemptOf<undefined>> =>
    times.map((t, i) =>
      Array.isArray(t) ? { id: `x-${i}`, op: undefined, committed: false, outcome: 'failed', at: t[0] } : { id: `x-${i}`, op: undefined, committed: true, outcome: 'committed', at: t },
    );

  it('gives each client its longest gap around the cutover, the worst client overall, and the time no client could write', () => {
    // Prepare: the freeze runs 1,000-1,500; w1 is back at 2,100, w2 at 1,700
    const clients = [
      { prefix: 'w1', attempts: attempts(0, 900, [1_200, false], 2_100, 2_200) },
      { prefix: 'w2', attempts: attempts(0, 950, [1_300, false], 1_700, 2_200) },
    ];

    // Act
    const result = windows(clients, { from: 1_000, to: 1_500 });

    // Assess
    expect(result.perClient).toEqual([
      { client: 'w1', writeUnavailableMs: 1_200, cutoverMs: 1_200, committed: 4, failed: 1, unknown: 0 },
      { client: 'w2', writeUnavailableMs: 750, cutoverMs: 750, committed: 4, failed: 1, unknown: 0 },
    ]);
    expect(result.writeUnavailableMs).toBe(1_200);
    // Between 950 (w2's last before) and 1,700 (w2's first after) nobody wrote.
    expect(result.mergedWriteUnavailableMs).toBe(750);
  });

  it("does not count the time after a client's last write as a gap once it wrote again after the workflow", () => {
    // Prepare: frozen 1,000-1,500; the client is back at 1,600 and the rehearsal stops it at 1,650
    const clients = [{ prefix: 'w1', attempts: attempts(0, 900, 1_600, 1_650) }];

    // Act
    const result = windows(clients, { from: 1_000, to: 1_500 });

    // Assess
    expect(result.perClient[0]!.cutoverMs).toBe(700);
  });

  it('with a rollback, gives each client the larger of its cutover and rollback windows', () => {
    // Prepare: frozen 1,000-1,500 (back at 1,600) and 5,500-5,800 (back at 5,900); writes every 100 ms in between
    const between = Array.from({ length: 34 }, (_, i) => 1_700 + i * 100);
    const clients = [{ prefix: 'w1', attempts: attempts(0, 900, 1_600, ...between, 5_900, 6_000) }];

    // Act
    const result = windows(clients, { from: 1_000, to: 1_500 }, { from: 5_500, to: 5_800 });

    // Assess
    expect(result.perClient[0]).toMatchObject({ cutoverMs: 700, rollbackMs: 900, writeUnavailableMs: 900 });
    expect(result.writeUnavailableMs).toBe(900);
  });
});

describe('writeFigures', () => {
  it("audits every client's writes against the final primary, totals them by outcome, and keeps the first ids and findings", () => {
    // Prepare
    const a = (id: string, op: ShopWrite, outcome: 'committed' | 'failed' | 'unknown'): AttemptOf<ShopWrite> => ({ id, op, outcome, committed: outcome === 'committed', at: 0 });
    const attempts = [
      a('w1-1', { kind: 'insert' }, 'committed'),
      a('w1-2', { kind: 'insert' }, 'committed'),
      a('w1-3', { kind: 'insert' }, 'unknown'),
      a('w1-4', { kind: 'update', table: 'orders', key: 4 }, 'committed'),
      a('w2-1', { kind: 'update', table: 'orders', key: 5 }, 'failed'),
      a('w2-2', { kind: 'delete', table: 'payments', key: 9 }, 'committed'),
    ];
    const finalPrimary = {
      orders: [{ id: 'w1-1', items: 1 }, { id: 'w1-1', items: 1 }, { id: 'w1-3', items: 1 }],
      lastWriteIds: new Map([[rowKey('orders', 4), 'w1-4'], [rowKey('orders', 5), 'w2-1']]),
      present: new Set([rowKey('payments', 9)]),
    };

    // Act
    const result = writeFigures(attempts, finalPrimary, 1);

    // Assess
    expect(result).toMatchObject({
      committedWrites: 4,
      failedWrites: 1,
      unknownWrites: 1,
      writesOnFinalPrimary: 3,
      lostWrites: 2,
      duplicateWrites: 1,
      phantomWrites: 1,
      lost: ['w1-2'],
      duplicated: ['w1-1'],
      phantom: ['w2-1'],
      findings: ['duplicated w1-1: insert w1-1 is there 2 times'],
    });
    expect(result.writes.delete).toEqual({ committed: 1, failed: 0, unknown: 0, lost: 1, duplicated: 0, phantom: 0 });
  });
});
