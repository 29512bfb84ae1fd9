import { describe, expect, it, vi } from 'vitest';
import { progressReporter } from '../../bin/cli/progress';

function stream(isTTY: boolean) {
  const written: string[] = [];
  return { written, stream: { isTTY, columns: 80, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream };
}

describe('progress on stderr', () => {
  it('rewrites one line in place on a terminal, and clears it when done', () => {
    const { written, stream: s } = stream(true);
    const progress = progressReporter(s, true);
    progress.update({ table: 'public.orders', segmentsDone: 3, segmentsTotal: 40, rowsDone: 300_000 });
    progress.done();
    expect(written[0]).toBe('\r\x1b[2Kcomparing: 300,000 rows, 0 table(s) done; public.orders 3/40');
    expect(written.at(-1)).toBe('\r\x1b[2K');
  });

  it('prints a plain line at most every 10 seconds when not on a terminal', () => {
    vi.useFakeTimers();
    try {
      const { written, stream: s } = stream(false);
      const progress = progressReporter(s, true);
      progress.update({ table: 't', segmentsDone: 1, segmentsTotal: 9, rowsDone: 10 });
      vi.advanceTimersByTime(10_000);
      progress.update({ table: 't', segmentsDone: 2, segmentsTotal: 9, rowsDone: 20 });
      progress.update({ table: 't', segmentsDone: 3, segmentsTotal: 9, rowsDone: 30 });
      expect(written).toEqual(['comparing: 20 rows, 0 table(s) done; t 2/9\n']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('stays silent when disabled (--json, --no-progress)', () => {
    const { written, stream: s } = stream(true);
    const progress = progressReporter(s, false);
    progress.update({ table: 't', segmentsDone: 1, segmentsTotal: 2, rowsDone: 5 });
    progress.done();
    expect(written).toEqual([]);
  });
});
