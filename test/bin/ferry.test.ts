import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run as config } from '../../bin/cli/config-command';
import { runCommand, runFerry } from '../helpers/cli';

/** The binary, from a working directory outside the repository. */
const ferry = (...args: string[]) => runFerry(args, { cwd: tmpdir() });

describe('the ferry binary (end to end)', () => {
  it('prints its help, listing every command, and exits 0', async () => {
    const { code, stdout } = await ferry('--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: ferry \[options\] \[command\]\n/);
    for (const command of ['config', 'compare', 'preflight', 'drift', 'snapshot', 'drift-report', 'rehearse']) {
      expect(stdout).toMatch(new RegExp(`\\n  ${command} `));
    }
  });

  it('exits 2 for an unknown command', async () => {
    const { code, stderr } = await ferry('teleport');
    expect(code).toBe(2);
    expect(stderr).toContain("unknown command 'teleport'");
  });
});

describe('ferry config', () => {
  it('prints an environment from cdk.json with its defaults filled in, from any working directory (end to end: the binary)', async () => {
    const { code, stdout } = await ferry('config', '--env', 'dev');
    expect(code).toBe(0);
    const shown = JSON.parse(stdout);
    expect(Object.keys(shown)).toEqual(['dev']);
    expect(shown.dev.migrations[0].source.port).toBe(5432);
  });

  it('exits 1 and names each problem of a bad cdk.json', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ferry-cli-'));
    try {
      const file = path.join(dir, 'cdk.json');
      writeFileSync(file, JSON.stringify({ context: { environments: { dev: { account: 'x' } } } }));
      const { code, stderr } = await runCommand(config, { cdkJson: file });
      expect(code).toBe(1);
      expect(stderr).toContain("environment 'dev': account: must be a 12-digit AWS account id, got \"x\"");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 1 for an environment that is not configured', async () => {
    const { code, stderr } = await runCommand(config, { env: 'staging' });
    expect(code).toBe(1);
    expect(stderr).toContain("--env: no environment 'staging' (known: dev, prod)");
  });
});
