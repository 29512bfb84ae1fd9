import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { runFerry, type CliOptions } from '../helpers/cli';

/** `npm run rehearse -- <args>` without npm: its own process group, so a Ctrl-C reaches every process it started, as in a terminal. */
function rehearse(args: string[], onStderr?: CliOptions['onStderr']) {
  return runFerry(['rehearse', ...args], { detached: true, onStderr });
}

describe('ferry rehearse', () => {
  it('prints the report as one JSON document with the figures the README promises, and exits 0 when no write was lost', async () => {
    // Act
    const out = await rehearse(['--rows', '20000', '--clients', '2', '--json']);

    // Assess (on failure, the rehearsal's own account of it)
    expect(out.code, out.stderr.slice(-3000)).toBe(0);
    const report = JSON.parse(out.stdout) as Record<string, unknown>;
    for (const field of [
      'phases',
      'rowsCompared',
      'compareRowsPerSecond',
      'clients',
      'writeUnavailableMs',
      'mergedWriteUnavailableMs',
      'perClient',
      'writes',
      'committedWrites',
      'failedWrites',
      'unknownWrites',
      'lostWrites',
      'duplicateWrites',
      'phantomWrites',
    ]) {
      expect(report, field).toHaveProperty(field);
    }
    expect(report).toMatchObject({ clients: 2, lostWrites: 0, duplicateWrites: 0, phantomWrites: 0 });
    expect(report.perClient).toHaveLength(2);
    expect(Object.keys(report.writes as object)).toEqual(['insert', 'update', 'delete']);
    // Progress goes to stderr, plain (not a terminal): no escape codes.
    expect(out.stderr).toMatch(/Workflow cutover succeeded/);
    expect(out.stderr).not.toContain('\u001b[');
  });

  it.each([
    ['0', "--clients: expected at least 1 client, got '0'"],
    ['abc', "--clients: expected a whole number, got 'abc'"],
  ])('refuses --clients %s before starting anything, naming the option and the problem, with exit code 2', async (value, message) => {
    // Act
    const out = await rehearse(['--clients', value]);

    // Assess
    expect(out.code).toBe(2);
    expect(out.stderr).toContain(`ferry: ${message}`);
    expect(out.stderr).not.toContain('Source: postgres://');
  });

  it('stops on Ctrl-C, removes everything it started, and exits 130', async () => {
    // Act
    let sent = false;
    const out = await rehearse(['--rows', '20000'], (text, child) => {
      if (!sent && text.includes('Workflow migrate started')) {
        sent = true;
        process.kill(-child.pid!, 'SIGINT');
      }
    });

    // Assess
    expect(out.code).toBe(130);
    expect(out.stderr).toContain('the rehearsal was interrupted; every server and temporary directory it made was removed');
    const ports = [...out.stderr.matchAll(/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
    expect(ports).toHaveLength(2);
    for (const port of ports) {
      const refused = await new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        socket.on('connect', () => (socket.destroy(), resolve(false)));
        socket.on('error', () => resolve(true));
      });
      expect(refused, `port ${port} still open`).toBe(true);
    }
  });
});
