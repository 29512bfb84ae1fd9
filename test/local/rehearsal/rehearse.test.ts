import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { rehearse } from '../../../local/rehearsal/rehearse';
import { LiveView } from '../../../local/rehearsal/view';

/** A plain (non-TTY) view that keeps what it printed. */
function recordingView(): { view: LiveView; text: () => string } {
  let text = '';
  const out = { write: (s: string) => ((text += s), true), isTTY: false };
  return { view: new LiveView(out, { intervalMs: 1000 }), text: () => text };
}

/**
 * The end-to-end test of the README's first command, small: two real servers, the real
 * workflows, live writes. Run twice in a row (plain, then with a rollback), which also shows that
 * a second run right after the first works.
 */
describe('the rehearsal', () => {
  it('moves the database under live writes with no write lost or duplicated, reports every figure, and removes everything it started', async () => {
    // Prepare
    const { view, text } = recordingView();
    let dirs: readonly string[] = [];

    // Act
    const report = await rehearse({ rows: 20_000, rollback: false, view, onServers: (d) => (dirs = d) });

    // Assess
    expect(report).toMatchObject({ outcome: 'completed', rollback: false, finalPrimary: 'target', lostWrites: 0, duplicateWrites: 0 });
    expect(report.rows).toBeGreaterThanOrEqual(19_000);
    expect(report.rowsCompared).toBeGreaterThanOrEqual(report.rows);
    expect(report.committedWrites).toBeGreaterThan(0);
    expect(report.writesOnFinalPrimary).toBeGreaterThanOrEqual(report.committedWrites);
    expect(report.writeUnavailableMs).toBeGreaterThan(0);
    expect(report.phases.map((p) => p.name)).toEqual(expect.arrayContaining(['start servers', 'load the source', 'full load (initial copy)', 'compare the tables', 'cutover']));
    expect(text()).toMatch(/Phase cut-over/);
    expect(dirs).toHaveLength(2);
    for (const dir of dirs) expect(existsSync(dir)).toBe(false);
  });

  it('with a rollback alarm in the observation window, brings the clients and every write back to the source', async () => {
    // Prepare
    const { view, text } = recordingView();
    let dirs: readonly string[] = [];

    // Act
    const report = await rehearse({ rows: 20_000, rollback: true, view, observationMs: 1500, onServers: (d) => (dirs = d) });

    // Assess
    expect(report).toMatchObject({ outcome: 'completed', rollback: true, finalPrimary: 'source', lostWrites: 0, duplicateWrites: 0 });
    expect(report.phases.map((p) => p.name)).toEqual(expect.arrayContaining(['cutover', 'observation window', 'rollback']));
    expect(text()).toMatch(/Phase rolled-back/);
    for (const dir of dirs) expect(existsSync(dir)).toBe(false);
  });

  it('stops and removes everything when interrupted', async () => {
    // Prepare
    const { view } = recordingView();
    const abort = new AbortController();
    let dirs: readonly string[] = [];

    // Act
    const outcome = await rehearse({
      rows: 20_000,
      rollback: false,
      view,
      signal: abort.signal,
      onServers: (d) => {
        dirs = d;
        abort.abort();
      },
    }).catch((e: Error) => e);

    // Assess
    expect(outcome).toMatchObject({ name: 'RehearsalAbortedError' });
    expect(dirs).toHaveLength(2);
    for (const dir of dirs) expect(existsSync(dir)).toBe(false);
  });
});
