import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type LiveState, LiveView } from '../../../local/rehearsal/view';

const STATE: LiveState = {
  workflow: 'migrate',
  step: 'Compare the table',
  phase: 'replicating',
  rowsCopied: 612_400,
  rowsTotal: 1_000_000,
  lagBytes: null,
  lagSeconds: 0.2,
  tablesCompared: 3,
  tablesTotal: 5,
  writesPerSecond: 480,
  committed: 12_345,
  failed: 3,
  elapsedMs: 41_500,
};

const EXPECTED_LINE =
  'migrate › Compare the table   phase replicating   copied 61% 612,400/1,000,000 rows   lag 0.2 s   compared 3/5 tables   writes 480/s (12,345 ok, 3 failed)   00:41';

/**
 * A terminal that understands what the view may send (\r, \n, ESC[nA, ESC[2K) and fails on any
 * other escape or on a write past the last column (which a real terminal would wrap).
 */
function terminal(columns: number) {
  const rows: string[][] = [[]];
  let row = 0;
  let col = 0;
  const written: string[] = [];
  const apply = (s: string) => {
    // eslint-disable-next-line no-control-regex
    for (const m of s.matchAll(/\x1b\[(\d*)([A-Za-z])|[^]/gu)) {
      const token = m[0];
      if (m[2] === 'A') row = Math.max(0, row - Number(m[1] || 1));
      else if (m[2] === 'K' && m[1] === '2') rows[row] = [];
      else if (m[2] !== undefined) throw new Error(`unexpected escape ${JSON.stringify(token)}`);
      else if (token === '\r') col = 0;
      else if (token === '\n') {
        row++;
        col = 0;
        rows[row] ??= [];
      } else {
        if (col >= columns) throw new Error(`wrote past column ${columns} on row ${row}`);
        (rows[row] ??= [])[col++] = token;
      }
    }
  };
  return {
    out: {
      isTTY: true,
      columns,
      write(s: string) {
        written.push(s);
        apply(s);
        return true;
      },
    },
    written,
    /** The screen's lines, without trailing empty ones. */
    screen: () => {
      const lines = rows.map((r) => r.join(''));
      while (lines.length > 0 && lines.at(-1) === '') lines.pop();
      return lines;
    },
    cursor: () => ({ row, col }),
  };
}

function pipe() {
  const written: string[] = [];
  return {
    out: {
      write(s: string) {
        written.push(s);
        return true;
      },
    },
    written,
    text: () => written.join(''),
  };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('LiveView on a terminal', () => {
  it('draws the state as one line when it fits, and redraws that line in place', () => {
    // Prepare
    const term = terminal(200);
    const view = new LiveView(term.out);

    // Act
    view.update(STATE);
    vi.advanceTimersByTime(150);
    view.update({ ...STATE, committed: 12_400, elapsedMs: 42_000 });

    // Assess
    expect(term.screen()).toEqual([EXPECTED_LINE.replace('12,345 ok', '12,400 ok').replace('00:41', '00:42')]);
    expect(term.written).toHaveLength(2);
    expect(term.written[1]!.startsWith('\r\x1b[2K')).toBe(true);
    expect(term.written.join('')).not.toContain('\n');
  });

  it('spreads the state over up to three lines when narrow, redraws all of them in place, and cuts each to the width', () => {
    // Prepare
    const term = terminal(40);
    const view = new LiveView(term.out);

    // Act
    view.update(STATE);
    vi.advanceTimersByTime(150);
    view.update({ ...STATE, phase: 'cutting-over' });
    vi.advanceTimersByTime(150);
    view.update({ ...STATE, phase: 'cut-over' });

    // Assess
    const screen = term.screen();
    expect(screen).toHaveLength(3);
    expect(screen.every((l) => [...l].length <= 39)).toBe(true);
    expect(screen[0]).toBe('migrate › Compare the table');
    expect(screen[1]).toBe('phase cut-over');
    expect(screen[2]!.endsWith('…')).toBe(true);
    expect(term.written[2]).toContain('\x1b[1A\x1b[2K\x1b[1A\x1b[2K');
  });

  it('cuts a line longer than a very narrow terminal instead of letting it wrap', () => {
    // Prepare
    const term = terminal(12);
    const view = new LiveView(term.out);

    // Act
    view.update({ ...STATE, step: 'A step with a very long name indeed' });

    // Assess
    const screen = term.screen();
    expect(screen.length).toBeLessThanOrEqual(3);
    expect(screen[0]).toBe('migrate › …');
    expect(screen.every((l) => [...l].length <= 11)).toBe(true);
  });

  it('redraws at most ten times a second, and shows the last state once the pause is over', () => {
    // Prepare
    const term = terminal(200);
    const view = new LiveView(term.out);

    // Act: an update every 5 ms for one second
    for (let i = 0; i < 200; i++) {
      view.update({ ...STATE, committed: i });
      vi.advanceTimersByTime(5);
    }
    const during = term.written.length;
    vi.advanceTimersByTime(100);

    // Assess
    expect(during).toBeLessThanOrEqual(11);
    expect(term.screen()).toHaveLength(1);
    expect(term.screen()[0]).toContain('(199 ok, 3 failed)');
  });

  it('keeps logged lines above the live area', () => {
    // Prepare
    const term = terminal(40);
    const view = new LiveView(term.out);
    view.update(STATE);

    // Act
    view.log('phase replicating');
    view.log('phase ready');

    // Assess
    const screen = term.screen();
    expect(screen.slice(0, 2)).toEqual(['phase replicating', 'phase ready']);
    expect(screen[2]).toBe('migrate › Compare the table');
    expect(screen).toHaveLength(5);
  });

  it('removes control characters from names, which would break the count of lines to redraw', () => {
    // Prepare
    const term = terminal(200);
    const view = new LiveView(term.out);

    // Act
    view.update({ ...STATE, step: 'Failed:\nconnection\rreset' });

    // Assess
    expect(term.screen()).toHaveLength(1);
    expect(term.screen()[0]).toContain('migrate › Failed: connection reset');
  });

  it('stop() clears the live area and leaves the cursor at the start of a fresh line', () => {
    // Prepare
    const term = terminal(40);
    const view = new LiveView(term.out);
    view.log('phase replicating');
    view.update(STATE);

    // Act
    view.stop();
    view.update(STATE);
    vi.advanceTimersByTime(1000);

    // Assess
    expect(term.screen()).toEqual(['phase replicating']);
    expect(term.cursor()).toEqual({ row: 1, col: 0 });
  });

  it('stop() cancels a pending redraw', () => {
    // Prepare
    const term = terminal(200);
    const view = new LiveView(term.out);
    view.update(STATE);
    view.update({ ...STATE, committed: 1 });

    // Act
    view.stop();
    vi.advanceTimersByTime(1000);

    // Assess
    expect(term.screen()).toEqual([]);
    expect(term.cursor()).toEqual({ row: 0, col: 0 });
  });
});

describe('LiveView without a terminal', () => {
  it('prints plain lines without any escape code', () => {
    // Prepare
    const out = pipe();
    const view = new LiveView(out.out);

    // Act
    view.update(STATE);
    view.log('phase replicating');
    view.stop();

    // Assess
    expect(out.text()).toBe(`${EXPECTED_LINE}\nphase replicating\n`);
    expect(out.text()).not.toContain('\x1b');
    expect(out.text()).not.toContain('\r');
  });

  it('prints at most one line per interval while the phase stays the same', () => {
    // Prepare
    const out = pipe();
    const view = new LiveView(out.out, { intervalMs: 2000 });

    // Act
    for (let t = 0; t <= 5000; t += 100) {
      view.update({ ...STATE, elapsedMs: t });
      vi.advanceTimersByTime(100);
    }

    // Assess
    expect(out.written.map((l) => l.slice(-6, -1))).toEqual(['00:00', '00:02', '00:04']);
  });

  it('prints a line at once when the phase or the workflow changes', () => {
    // Prepare
    const out = pipe();
    const view = new LiveView(out.out, { intervalMs: 60_000 });
    view.update(STATE);

    // Act
    view.update({ ...STATE, step: 'Another step' });
    view.update({ ...STATE, phase: 'ready' });
    view.update({ ...STATE, workflow: 'cutover', phase: 'ready' });

    // Assess
    expect(out.written).toHaveLength(3);
    expect(out.written[1]).toContain('phase ready');
    expect(out.written[2]).toMatch(/^cutover › /);
  });

  it('prints the last state on stop() when the interval held it back, and nothing more after', () => {
    // Prepare
    const out = pipe();
    const view = new LiveView(out.out);
    view.update(STATE);
    view.update({ ...STATE, committed: 99_999 });

    // Act
    view.stop();
    view.stop();
    view.update(STATE);

    // Assess
    expect(out.written).toHaveLength(2);
    expect(out.written[1]).toContain('(99,999 ok, 3 failed)');
  });

  it("shows the full load's rate and time left while they are known", () => {
    // Prepare
    const out = pipe();
    const view = new LiveView(out.out, { intervalMs: 0 });
    const copying = { workflow: 'migrate', step: 'Wait for the full load', phase: 'replicating', rowsTotal: 1_000_000, writesPerSecond: 0, committed: 0, failed: 0, elapsedMs: 20_000 };

    // Act: before the rate is known, then with it
    view.update({ ...copying, rowsCopied: 999 });
    view.update({ ...copying, rowsCopied: 250_000, copyRowsPerSecond: 12_500.4, copySecondsLeft: 60 });

    // Assess
    expect(out.written).toEqual([
      'migrate › Wait for the full load   phase replicating   copied 0% 999/1,000,000 rows   writes 0/s (0 ok, 0 failed)   00:20\n',
      'migrate › Wait for the full load   phase replicating   copied 25% 250,000/1,000,000 rows at 12,500 rows/s, 01:00 left   writes 0/s (0 ok, 0 failed)   00:20\n',
    ]);
  });

  it('shows lag in bytes when seconds are unknown, and leaves out figures not yet known', () => {
    // Prepare
    const out = pipe();
    const view = new LiveView(out.out);

    // Act
    view.update({ workflow: 'migrate', step: 'Wait for replication', phase: 'replicating', lagBytes: 5_242_880, writesPerSecond: 0, committed: 0, failed: 0, elapsedMs: 3_725_000 });

    // Assess
    expect(out.text()).toBe('migrate › Wait for replication   phase replicating   lag 5.0 MB   writes 0/s (0 ok, 0 failed)   1:02:05\n');
  });
});
