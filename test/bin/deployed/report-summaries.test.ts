import { describe, expect, it } from 'vitest';
import { reportRecordsProblem, summarizeReport } from '../../../bin/cli/deployed/report-summaries';

const round = { mode: 'live', direction: 'forward', at: 0, durationMs: 900, changes: { source: 40, target: 40 }, keysVerified: 38, tablesCompared: 2, suspects: 1, differences: 1, behind: false } as const;

describe('the one-line summary of a stored report', () => {
  it('names what blocks a preflight that did not pass, and counts it a problem', () => {
    const report = { engine: 'dms', checks: [], blocking: ['logical-decoding', 'replica-identity'], waived: [], waivers: [], counts: { error: 2, warning: 0, info: 0, ok: 0 }, passed: false, startedAt: '', durationMs: 1 };
    expect(summarizeReport('preflight', report)).toBe('NOT READY: blocking logical-decoding, replica-identity');
    expect(reportRecordsProblem('preflight', report)).toBe(true);
  });

  it('names the tables of a comparison verdict that differ or did not finish, the first three of them', () => {
    const table = (name: string, equal: boolean) => ({ table: { schema: 'public', name }, rounds: 1, complete: true, equal, rowsCompared: 10, differences: equal ? 0 : 1 });
    const report = { runId: 'r', equal: false, startedAt: '', completedAt: '', judgedAt: '', rowsCompared: 50, tables: ['a', 'b', 'c', 'd', 'e'].map((n) => table(n, n === 'e')) };
    expect(summarizeReport('comparison-summary', report)).toBe('DIFFERENT: 4 of 5 tables differ or did not finish (public.a, public.b, public.c and 1 more)');
    expect(reportRecordsProblem('comparison-summary', report)).toBe(true);
  });

  it('tells a lost capture from a round, and counts a proven difference a problem but not a suspect', () => {
    const suspect = { table: 'public.orders', key: ['7'], status: 'suspect', kind: 'changed', columns: ['total'], firstSeenAt: 0, lastSeenAt: 0 } as const;
    expect(summarizeReport('verification', { captureId: 'c-2', status: 'lost', reason: 'slot ferry_capture_source was invalidated' })).toBe('capture c-2 LOST: slot ferry_capture_source was invalidated');
    const roundReport = { captureId: 'c-1', verifiedThrough: undefined, round, differences: [suspect], tablesToCompare: [] };
    expect(summarizeReport('verification', roundReport)).toBe('live round: 38 keys verified, 1 unresolved key (1 different, 1 suspect)');
    expect(reportRecordsProblem('verification', roundReport)).toBe(false);
    expect(reportRecordsProblem('verification', { ...roundReport, differences: [{ ...suspect, status: 'difference' }] })).toBe(true);
  });

  it('gives a kind without a summary of its own its size, and never counts it a problem', () => {
    expect(summarizeReport('finish-objects', { forward: ['16403'], reverse: [] })).toBe('34 bytes of JSON (ferry report finish-objects)');
    expect(reportRecordsProblem('finish-objects', { forward: [], reverse: [] })).toBe(false);
  });
});
