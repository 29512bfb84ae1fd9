import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..', '..');
const outdir = mkdtempSync(path.join(tmpdir(), 'ferry-synth-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** The environment of a machine with no AWS credentials and no way to reach AWS. */
function offlineEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && !k.startsWith('CDK_')));
  return {
    ...env,
    AWS_EC2_METADATA_DISABLED: 'true',
    // Any attempt to reach AWS fails fast instead of silently succeeding through a proxy.
    HTTPS_PROXY: 'http://127.0.0.1:9',
    HTTP_PROXY: 'http://127.0.0.1:9',
    ...extra,
  };
}

describe('bin/app.ts', () => {
  it('synthesizes every environment in cdk.json with no credentials and no network', () => {
    const result = spawnSync('npx', ['cdk', 'synth', '--quiet', '--lookups', 'false', '--strict', '-o', outdir], {
      cwd: root,
      env: offlineEnv(),
      encoding: 'utf8',
      timeout: 240_000,
    });
    expect(result.stderr).not.toMatch(/AwsSolutions-/);
    expect(result.status).toBe(0);
    for (const env of ['dev', 'prod']) {
      const template = JSON.parse(readFileSync(path.join(outdir, `Ferry-${env}.template.json`), 'utf8'));
      expect(Object.keys(template.Resources).length).toBeGreaterThan(0);
    }
    // Bundling every step function with esbuild takes about 25 s alone; far longer while other
    // test files load both cores.
  }, 240_000);

  it('fails with one line per problem, and no stack trace, on a bad configuration', () => {
    const badOut = path.join(outdir, 'bad');
    const result = spawnSync('npx', ['tsx', path.join(root, 'bin', 'app.ts')], {
      cwd: root,
      env: offlineEnv({
        CDK_OUTDIR: badOut,
        CDK_CONTEXT_JSON: JSON.stringify({ environments: { staging: { account: '12', region: 'eu-west-1' } } }),
      }),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("environment 'staging': account: must be a 12-digit AWS account id, got \"12\"");
    expect(result.stderr).toContain("environment 'staging': network: missing (expected object)");
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(path.join(badOut, 'manifest.json'))).toBe(false);
  });
});
