import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFerry } from '../helpers/cli';

/** From a working directory outside the repository. */
const ferry = (...args: string[]) => runFerry(args, { cwd: tmpdir() });

describe('ferry config', () => {
  it('prints an environment from cdk.json with its defaults filled in, from any working directory', async () => {
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
      const { code, stderr } = await ferry('config', '--cdk-json', file);
      expect(code).toBe(1);
      expect(stderr).toContain("environment 'dev': account: must be a 12-digit AWS account id, got \"x\"");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 1 for an environment that is not configured', async () => {
    const { code, stderr } = await ferry('config', '--env', 'staging');
    expect(code).toBe(1);
    expect(stderr).toContain("--env: no environment 'staging' (known: dev, prod)");
  });

  it('exits 2 for an unknown command', async () => {
    const { code, stderr } = await ferry('teleport');
    expect(code).toBe(2);
    expect(stderr).toContain("unknown command 'teleport'");
  });
});
