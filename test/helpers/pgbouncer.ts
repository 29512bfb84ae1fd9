import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { chmod, chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { findFreePort } from '../../local/postgres';

/** A real PgBouncer on 127.0.0.1 for one test file, with its config in a fresh temporary directory. */
export interface LocalPgBouncer {
  readonly host: string;
  readonly port: number;
  /** An `admin_users` login for the console (database `pgbouncer`). */
  readonly admin: { readonly username: string; readonly password: string };
  /** The file included from pgbouncer.ini that holds the `[databases]` section. */
  readonly databasesFile: string;
  readonly pid: number;
  /** What PgBouncer wrote to stderr lately, for assertions and failure messages. */
  log(): string;
  /** Kills exactly the process started here and removes the directory; safe to call twice. */
  stop(): Promise<void>;
}

export interface StartPgBouncerOptions {
  /** The whole include file, `[databases]` header included. */
  readonly databasesFile: string;
  /** Logins clients may use, name -> plain password (PgBouncer also uses it to log in to the server). */
  readonly users: Readonly<Record<string, string>>;
  /** @default 'session' */
  readonly poolMode?: 'session' | 'transaction';
}

const HOST = '127.0.0.1';
const INSTALL = 'apt-get install -y pgbouncer';
/** PgBouncer refuses to run as root; it drops to this user, which must read (not write) our files. */
const UNPRIVILEGED_USER = 'nobody';

/** Debian's binary, else one on PATH; a missing binary is an error that says how to install it. */
export function findPgBouncer(): string {
  const candidates = ['/usr/sbin/pgbouncer', ...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, 'pgbouncer'))];
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not this one
    }
  }
  throw new Error(`PgBouncer is not installed (looked in /usr/sbin and on PATH), so the PgBouncer tests cannot run. Install it: ${INSTALL}`);
}

export async function startPgBouncer(options: StartPgBouncerOptions): Promise<LocalPgBouncer> {
  const binary = findPgBouncer();
  const dir = await mkdtemp(path.join(tmpdir(), 'ferry-pgbouncer-'));
  const admin = { username: 'ferry_admin', password: randomBytes(18).toString('base64url') };
  const port = await findFreePort();
  const databasesFile = path.join(dir, 'databases.ini');
  const iniFile = path.join(dir, 'pgbouncer.ini');
  const authFile = path.join(dir, 'userlist.txt');
  const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const users = { ...options.users, [admin.username]: admin.password };

  await writeFile(databasesFile, options.databasesFile);
  await writeFile(authFile, Object.entries(users).map(([name, password]) => `${quote(name)} ${quote(password)}\n`).join(''));
  await writeFile(
    iniFile,
    [
      '[pgbouncer]',
      `listen_addr = ${HOST}`,
      `listen_port = ${port}`,
      // No Unix socket: it would need a directory the unprivileged user can write.
      'unix_socket_dir =',
      'auth_type = plain',
      `auth_file = ${authFile}`,
      `admin_users = ${admin.username}`,
      `pool_mode = ${options.poolMode ?? 'session'}`,
      'ignore_startup_parameters = extra_float_digits,options',
      // Failures to reach a server come back quickly instead of after the default 15 s.
      'server_login_retry = 1',
      `%include ${databasesFile}`,
      '',
    ].join('\n'),
  );
  await grantToUnprivilegedUser(dir, [databasesFile, iniFile, authFile]);

  const log = new LogTail(80);
  const args = process.getuid?.() === 0 ? ['-u', UNPRIVILEGED_USER, iniFile] : [iniFile];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (b: Buffer) => log.push(b.toString()));
  child.stderr.on('data', (b: Buffer) => log.push(b.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      try {
        await killExactly(child, exited);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    })();
    return stopping;
  };

  try {
    await waitUntilReady({ host: HOST, port, user: admin.username, password: admin.password }, child, 15_000);
  } catch (err) {
    await stop();
    throw new Error(`PgBouncer (${binary}) did not start on ${HOST}:${port}: ${(err as Error).message}\nLast log lines:\n${log.text() || '(none)'}`, { cause: err });
  }
  if (child.pid === undefined) throw new Error('PgBouncer started without a pid');
  return { host: HOST, port, admin, databasesFile, pid: child.pid, log: () => log.text(), stop };
}

/** One PgBouncer per test file; options are read in beforeAll, so they may depend on other servers. */
export function usePgBouncer(options: () => StartPgBouncerOptions | Promise<StartPgBouncerOptions>): LocalPgBouncer {
  let bouncer: LocalPgBouncer | undefined;
  beforeAll(async () => {
    bouncer = await startPgBouncer(await options());
  });
  afterAll(async () => {
    await bouncer?.stop();
  });
  const started = () => {
    if (bouncer === undefined) throw new Error('usePgBouncer(): PgBouncer is not running; use it inside tests or hooks');
    return bouncer;
  };
  return {
    get host() {
      return started().host;
    },
    get port() {
      return started().port;
    },
    get admin() {
      return started().admin;
    },
    get databasesFile() {
      return started().databasesFile;
    },
    get pid() {
      return started().pid;
    },
    log: () => started().log(),
    stop: () => started().stop(),
  };
}

/** The directory stays ours (the tests rewrite files in it); PgBouncer only needs to read. */
async function grantToUnprivilegedUser(dir: string, files: string[]): Promise<void> {
  await chmod(dir, 0o755);
  for (const file of files) await chmod(file, 0o644);
  if (process.getuid?.() !== 0) return;
  // The auth file holds this run's random passwords: readable by PgBouncer's user only.
  const { uid, gid } = await idsOf(UNPRIVILEGED_USER);
  const authFile = files.find((f) => f.endsWith('userlist.txt'));
  if (authFile !== undefined) {
    await chown(authFile, uid, gid);
    await chmod(authFile, 0o600);
  }
}

/** os.userInfo() only knows the current user; /etc/passwd is enough on the Linux hosts we test on. */
async function idsOf(name: string): Promise<{ uid: number; gid: number }> {
  const passwd = await readFile('/etc/passwd', 'utf8');
  const fields = passwd.split('\n').find((l) => l.startsWith(`${name}:`))?.split(':');
  if (fields === undefined || fields.length < 4) throw new Error(`no user "${name}" in /etc/passwd to run PgBouncer as`);
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

async function waitUntilReady(config: pg.ClientConfig, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`it exited (${child.exitCode ?? child.signalCode})`);
    const client = new pg.Client({ ...config, database: 'pgbouncer', connectionTimeoutMillis: 1000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SHOW VERSION');
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`not ready within ${timeoutMs} ms (${(err as Error).message})`, { cause: err });
    } finally {
      await client.end().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** SIGTERM is PgBouncer's immediate shutdown; SIGKILL if it does not go. Only our child's pid. */
async function killExactly(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  }, 5000);
  await exited;
  clearTimeout(timer);
}

class LogTail {
  private readonly lines: string[] = [];

  constructor(private readonly max: number) {}

  push(text: string): void {
    for (const line of text.split(/\r?\n/)) {
      if (line.trim() === '') continue;
      this.lines.push(line);
      if (this.lines.length > this.max) this.lines.shift();
    }
  }

  text(): string {
    return this.lines.join('\n');
  }
}
