import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.join(__dirname, '..', '..', '..');

/** The copy task's image builds its entry point with the esbuild command in copy-task/Dockerfile: the same command, run here. */
describe('the copy task entry point', () => {
  it('bundles as the image bundles it, and refuses to start without a migration id', () => {
    const dockerfile = readFileSync(path.join(ROOT, 'copy-task', 'Dockerfile'), 'utf8');
    const command = /^RUN npx (esbuild .+)$/m.exec(dockerfile)?.[1];
    expect(command).toBeDefined();
    const dir = mkdtempSync(path.join(tmpdir(), 'ferry-copy-task-'));
    try {
      const out = path.join(dir, 'copy-task.js');
      const args = command!.split(' ').slice(1).map((a) => (a.startsWith('--outfile=') ? `--outfile=${out}` : a));
      execFileSync(path.join(ROOT, 'node_modules', '.bin', 'esbuild'), [...args, '--log-level=error'], { cwd: ROOT });

      const run = spawnSync(process.execPath, [out], { encoding: 'utf8', env: { ...process.env, AWS_REGION: 'eu-west-1' } });

      expect(run.status).toBe(2);
      expect(run.stdout + run.stderr).toMatch(/usage: node copy-task.js <migrationId>/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
