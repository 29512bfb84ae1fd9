import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..', '..');

function ferry(...args: string[]) {
  const result = spawnSync(path.join(root, 'node_modules', '.bin', 'tsx'), [path.join(root, 'bin', 'ferry.ts'), ...args], { cwd: tmpdir(), encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('ferry config', () => {
  it('prints an environment from cdk.json with its defaults filled in, from any working directory', () => {
    const { code, stdout } = ferry('config', '--env', 'dev');
    expect(code).toBe(0);
    const shown = JSON.parse(stdout);
    expect(Object.keys(shown)).toEqual(['dev']);
    expect(shown.dev.migrations[0].source.port).toBe(5432);
  });

  it('exits 1 and names each problem of a bad cdk.json', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ferry-cli-'));
    try {
      const file = path.join(dir, 'cdk.json');
      writeFileSync(file, JSON.stringify({ context: { environments: { dev: { account: 'x' } } } }));
      const { code, stderr } = ferry('config', '--cdk-json', file);
      expect(code).toBe(1);
      expect(stderr).toContain("environment 'dev': account: must be a 12-digit AWS account id, got \"x\"");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 1 for an environment that is not configured', () => {
    const { code, stderr } = ferry('config', '--env', 'staging');
    expect(code).toBe(1);
    expect(stderr).toContain("--env: no environment 'staging' (known: dev, prod)");
  });

  it('exits 2 for an unknown command', () => {
    const { code, stderr } = ferry('teleport');
    expect(code).toBe(2);
    expect(stderr).toContain("unknown command 'teleport'");
  });
});
