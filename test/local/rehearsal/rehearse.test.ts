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
  it('moves the database under four clients inserting, updating and deleting, with no write lost, duplicated or phantom, reports every figure, and removes everything it started', async () => {
    // Prepare
    const { view, text } = recordingView();
    let dirs: readonly string[] = [];

    // Act
    const report = await rehearse({ rows: 20_000, rollback: false, view, onServers: (d) => (dirs = d) });

    // Assess
    expect(report).toMatchObject({ outcome: 'completed', rollback: false, finalPrimary: 'target', clients: 4, lostWrites: 0, duplicateWrites: 0, phantomWrites: 0 });
    expect(report.rows).toBeGreaterThanOrEqual(19_000);
    expect(report.rowsCompared).toBeGreaterThanOrEqual(report.rows);
    for (const kind of ['insert', 'update', 'delete'] as const) {
      expect(report.writes[kind].committed, kind).toBeGreaterThan(0);
      expect(report.writes[kind], kind).toMatchObject({ lost: 0, duplicated: 0, phantom: 0 });
    }
    expect(report.committedWrites).toBe(report.writes.insert.committed + report.writes.update.committed + report.writes.delete.committed);
    // Every committed insert is there, and an unknown one may be.
    expect(report.writesOnFinalPrimary).toBeGreaterThanOrEqual(report.writes.insert.committed);
    expect(report.writesOnFinalPrimary).toBeLessThanOrEqual(report.writes.insert.committed + report.writes.insert.unknown);
    expect(report.perClient.map((c) => c.client)).toEqual(['w1', 'w2', 'w3', 'w4']);
    for (const c of report.perClient) {
      expect(c.cutoverMs, c.client).toBeGreaterThan(0);
      expect(c.committed, c.client).toBeGreaterThan(0);
    }
    expect(report.writeUnavailableMs).toBe(Math.max(...report.perClient.map((c) => c.writeUnavailableMs)));
    expect(report.mergedWriteUnavailableMs).toBeGreaterThan(0);
    expect(report.mergedWriteUnavailableMs).toBeLessThanOrEqual(report.writeUnavailableMs);
    expect(report.phases.map((p) => p.name)).toEqual(expect.arrayContaining(['start servers', 'load the source', 'full load (initial copy)', 'compare the tables', 'cutover']));
    expect(text()).toMatch(/Phase cut-over/);
    expect(dirs).toHaveLength(2);
    for (const dir of dirs) expect(existsSync(dir)).toBe(false);
  });

  it("with a rollback alarm in the observation window, brings the clients (here three) and every write back to the source, and reports each client's rollback window", async () => {
    // Prepare
    const { view, text } = recordingView();
    let dirs: readonly string[] = [];

    // Act
    const report = await rehearse({ rows: 20_000, clients: 3, rollback: true, view, observationMs: 1500, onServers: (d) => (dirs = d) });

    // Assess
    expect(report).toMatchObject({ outcome: 'completed', rollback: true, finalPrimary: 'source', clients: 3, lostWrites: 0, duplicateWrites: 0, phantomWrites: 0 });
    expect(report.perClient).toHaveLength(3);
    for (const c of report.perClient) {
      expect(c.rollbackMs, c.client).toBeGreaterThan(0);
      expect(c.writeUnavailableMs, c.client).toBe(Math.max(c.cutoverMs, c.rollbackMs!));
    }
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
