import { readFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import pg from 'pg';
import { findDatabaseLine, rewriteDatabaseLine, writeAtomically, type DatabaseLine } from './pgbouncer-file';
import {
  describeEndpoint,
  sideOf,
  SwitchFailedError,
  SwitchTransientError,
  SwitchUnexpectedValueError,
  type Side,
  type Switch,
  type SwitchEndpoints,
  type SwitchOutcome,
  type SwitchPosition,
} from './switch';

export interface PgBouncerSwitchOptions {
  /** The admin console's address. */
  readonly host: string;
  readonly port: number;
  /** The `[databases]` entry the clients connect to. */
  readonly database: string;
  /** The file included from pgbouncer.ini that holds the entry's line; rewritten in place. */
  readonly databasesFile: string;
  /** An `admin_users` login (read by the caller from Secrets Manager); never logged. */
  readonly admin: { readonly username: string; readonly password: string };
  readonly endpoints: SwitchEndpoints;
  /**
   * How long PAUSE may wait for server connections to be released: a client in a transaction (or,
   * with session pooling, any connected client) holds one. Then the database is resumed and the
   * switch fails as transient, naming the clients.
   * @default 30000
   */
  readonly pauseTimeoutMs?: number;
  /** Connecting to the console and each other console command. @default 10000 */
  readonly consoleTimeoutMs?: number;
}

/** A row of SHOW DATABASES, the part we use. */
interface LiveDatabase {
  readonly host: string | null;
  readonly port: number;
  readonly database: string;
  readonly paused: boolean;
}

/**
 * The Switch on PgBouncer. The console cannot change a database's host, so the line in
 * `databasesFile` is rewritten between PAUSE (running queries finish, new ones queue in PgBouncer
 * instead of failing) and RELOAD + RESUME. Server connections are closed by PAUSE, so every query
 * after RESUME goes to the new side — with transaction pooling even on the same client connection.
 * With session pooling, a connected client holds its server connection until it disconnects, so
 * PAUSE waits for it: see `pauseTimeoutMs`.
 */
export class PgBouncerSwitch implements Switch {
  readonly strategy = 'pgbouncer';
  private readonly pauseTimeoutMs: number;
  private readonly consoleTimeoutMs: number;

  constructor(private readonly options: PgBouncerSwitchOptions) {
    this.pauseTimeoutMs = options.pauseTimeoutMs ?? 30_000;
    this.consoleTimeoutMs = options.consoleTimeoutMs ?? 10_000;
  }

  /** What PgBouncer really uses (SHOW DATABASES); the file when the console does not answer. */
  async current(): Promise<SwitchPosition> {
    let live: LiveDatabase | undefined;
    let why: string;
    try {
      live = await this.withConsole((c) => this.live(c));
      why = `PgBouncer ${this.where()} has no database "${this.options.database}"`;
    } catch (err) {
      why = `the console at ${this.where()} did not answer: ${messageOf(err)}`;
    }
    if (live !== undefined) return { side: this.sideOf(live), value: render(live) };
    const { line } = await this.readLine();
    return { side: this.sideOf(line.endpoint), value: `${render(line.endpoint)} (from ${this.options.databasesFile}; ${why})` };
  }

  /**
   * `SHOW VERSION` on the admin console: proves that the switch's login works and the console
   * answers, and changes nothing (no PAUSE, no RELOAD). What the switch-ready guardrail asks.
   */
  async consoleVersion(): Promise<string> {
    return this.withConsole(async (c) => String(Object.values((await c.rows('SHOW VERSION'))[0] ?? {})[0] ?? ''));
  }

  async pointTo(side: Side): Promise<SwitchOutcome> {
    const { database, databasesFile } = this.options;
    const want = this.options.endpoints[side];
    const to = describeEndpoint(want);
    const before = await this.readLine();
    const fileSide = this.sideOf(before.line.endpoint);
    if (fileSide === 'unknown') {
      throw new SwitchUnexpectedValueError(
        `${databasesFile} points database "${database}" at ${render(before.line.endpoint)}, which is neither the source ` +
          `(${describeEndpoint(this.options.endpoints.source)}) nor the target (${describeEndpoint(this.options.endpoints.target)}). ` +
          `Nothing was changed: find out who changed the line, then point it at one of them.`,
      );
    }

    return this.withConsole(async (c) => {
      const live = await this.live(c);
      if (live === undefined) {
        throw new SwitchFailedError(
          `PgBouncer ${this.where()} has no database "${database}". Include ${databasesFile} from pgbouncer.ini and RELOAD PgBouncer.`,
        );
      }
      const from = render(live);
      if (this.sideOf(live) === 'unknown') {
        throw new SwitchUnexpectedValueError(
          `PgBouncer ${this.where()} connects database "${database}" to ${from}, which is neither endpoint, while ` +
            `${databasesFile} says ${render(before.line.endpoint)}. Nothing was changed: someone else may be moving the clients.`,
        );
      }
      if (fileSide === side && this.sideOf(live) === side) {
        // A run that died between PAUSE and RESUME must not leave the clients waiting forever.
        if (live.paused) await c.command(`RESUME ${quoteIdent(database)}`);
        const resumed = live.paused ? ' (it was paused: resumed it)' : '';
        return { action: 'already', side, from, to: from, message: `PgBouncer already sends "${database}" to the ${side} (${from})${resumed}` };
      }
      const pausedFor = await this.switchPaused(c, before, side);
      return {
        action: 'switched',
        side,
        from,
        to,
        message: `PgBouncer ${this.where()} moved "${database}" from ${from} to the ${side} (${to}); it was paused for ${pausedFor} ms`,
      };
    });
  }

  /** PAUSE, rewrite, RELOAD, verify, RESUME; whatever fails after PAUSE resumes before rethrowing. */
  private async switchPaused(c: Console, before: { content: string; line: DatabaseLine }, side: Side): Promise<number> {
    const { database, databasesFile } = this.options;
    const want = this.options.endpoints[side];
    const db = quoteIdent(database);
    // Clients queue from the moment PAUSE is issued, not only once it returns.
    const pausedAt = Date.now();
    await this.pause(c);
    let rewritten = false;
    try {
      const now = await this.readLine();
      if (now.content !== before.content) {
        throw new SwitchTransientError(`${databasesFile} changed while the switch was starting; nothing was changed, run it again.`);
      }
      if (this.sideOf(before.line.endpoint) !== side) {
        await writeAtomically(databasesFile, rewriteDatabaseLine(before.content, before.line, want));
        rewritten = true;
      }
      await c.command('RELOAD');
      const after = await this.live(c);
      if (after === undefined || this.sideOf(after) !== side) {
        // PgBouncer 1.18 answers RELOAD with success even when it stopped at a bad line in the config.
        throw new SwitchFailedError(
          `After RELOAD, PgBouncer ${this.where()} still sends "${database}" to ${after === undefined ? 'nothing' : render(after)}, ` +
            `not the ${side} (${describeEndpoint(want)}): it did not load the new line. PgBouncer's log says why ` +
            `(often a syntax error elsewhere in its config). The old line was put back and "${database}" resumed.`,
        );
      }
    } catch (err) {
      let restoreError: unknown;
      if (rewritten) {
        try {
          await writeAtomically(databasesFile, before.content);
          // The old line is what PgBouncer ran with, so this RELOAD at worst changes nothing.
          await this.onConsole(c, (on) => on.command('RELOAD'));
        } catch (e) {
          restoreError = e;
        }
      }
      await this.resume(c, db);
      if (restoreError === undefined) throw err;
      throw new SwitchFailedError(
        `${messageOf(err)} Putting the old line back failed too (${messageOf(restoreError)}): compare ${databasesFile} ` +
          `with SHOW DATABASES on the console before running the switch again.`,
        { cause: err },
      );
    }
    await this.resume(c, db);
    return Date.now() - pausedAt;
  }

  /** PAUSE with a client-side deadline: the console has no statement timeout. */
  private async pause(c: Console): Promise<void> {
    const { database } = this.options;
    try {
      await c.command(`PAUSE ${quoteIdent(database)}`, this.pauseTimeoutMs);
      return;
    } catch (err) {
      if (!(err instanceof ConsoleTimeout)) {
        await this.resume(c, quoteIdent(database));
        throw err;
      }
    }
    // The PAUSE connection is gone; resume from a fresh one, then say who held the servers.
    const blockers = await this.withConsole(async (fresh) => {
      await this.resume(fresh, quoteIdent(database));
      return blockingClients(fresh, database);
    });
    throw new SwitchTransientError(
      `PAUSE "${database}" did not finish within ${this.pauseTimeoutMs} ms: ${blockers.length} client(s) hold server ` +
        `connections${blockers.length > 0 ? ` (${blockers.join('; ')})` : ''}. With transaction pooling a client holds one ` +
        `until its transaction ends, with session pooling until it disconnects. "${database}" was resumed and nothing was ` +
        `changed; run the switch again when they are done, or disconnect them.`,
    );
  }

  /** RESUME only if paused (RESUME of a running database is an error). */
  private async resume(c: Console, db: string): Promise<void> {
    try {
      await this.onConsole(c, async (on) => {
        if ((await this.live(on))?.paused) await on.command(`RESUME ${db}`);
      });
    } catch (err) {
      throw new SwitchFailedError(
        `Could not RESUME ${db} on PgBouncer ${this.where()} (${messageOf(err)}): its clients are waiting. Run RESUME ${db} on the console now.`,
        { cause: err },
      );
    }
  }

  /** On `c`, or on a fresh console if `c` broke: cleaning up must not depend on the connection that failed. */
  private async onConsole(c: Console, use: (on: Console) => Promise<void>): Promise<void> {
    try {
      await use(c);
    } catch {
      await this.withConsole(use);
    }
  }

  private async live(c: Console): Promise<LiveDatabase | undefined> {
    const row = (await c.rows('SHOW DATABASES')).find((r) => r.name === this.options.database);
    if (row === undefined) return undefined;
    return { host: row.host as string | null, port: Number(row.port), database: String(row.database), paused: Number(row.paused) === 1 };
  }

  private async readLine(): Promise<{ content: string; line: DatabaseLine }> {
    const file = this.options.databasesFile;
    let content: string;
    try {
      content = await readFile(file, 'utf8');
    } catch (err) {
      throw new SwitchFailedError(`Cannot read ${file}, the PgBouncer databases file: ${messageOf(err)}`);
    }
    return { content, line: findDatabaseLine(content, this.options.database, file) };
  }

  private sideOf(e: { host: string | null | undefined; port: number; database: string }): Side | 'unknown' {
    return sideOf(render(e), this.options.endpoints, describeEndpoint);
  }

  private where(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  private async withConsole<T>(use: (c: Console) => Promise<T>): Promise<T> {
    const { host, port, admin } = this.options;
    const c = await Console.open({ host, port, user: admin.username, password: admin.password }, this.consoleTimeoutMs);
    try {
      return await use(c);
    } finally {
      await c.close();
    }
  }
}

/** The clients whose server connections keep PAUSE waiting, for the operator. */
async function blockingClients(c: Console, database: string): Promise<string[]> {
  const links = new Set((await c.rows('SHOW SERVERS')).filter((s) => s.database === database && s.link).map((s) => s.link));
  return (await c.rows('SHOW CLIENTS'))
    .filter((cl) => links.has(cl.ptr))
    .map((cl) => `${cl.user}@${cl.addr}:${cl.port}${cl.application_name ? ` "${cl.application_name}"` : ''} connected since ${cl.connect_time}`);
}

class ConsoleTimeout extends Error {}

/**
 * The admin console: simple query protocol only (node-postgres uses it for queries without
 * parameters), one command at a time. We own the socket so a timed-out command can be abandoned.
 */
class Console {
  private constructor(
    private readonly client: pg.Client,
    private readonly socket: Socket,
    private readonly timeoutMs: number,
  ) {}

  static async open(config: { host: string; port: number; user: string; password: string }, timeoutMs: number): Promise<Console> {
    const socket = new Socket();
    const client = new pg.Client({ ...config, database: 'pgbouncer', stream: () => socket, connectionTimeoutMillis: timeoutMs });
    // Errors surface through the pending command; after a timeout the socket is destroyed on purpose.
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (err) {
      socket.destroy();
      throw new SwitchFailedError(`Cannot log in to the PgBouncer console at ${config.host}:${config.port} as ${config.user}: ${messageOf(err)}`);
    }
    return new Console(client, socket, timeoutMs);
  }

  async rows(sql: string): Promise<Array<Record<string, unknown>>> {
    return (await this.run(sql, this.timeoutMs)).rows;
  }

  async command(sql: string, timeoutMs = this.timeoutMs): Promise<void> {
    await this.run(sql, timeoutMs);
  }

  async close(): Promise<void> {
    if (this.socket.destroyed) return;
    await Promise.race([this.client.end().catch(() => undefined), new Promise((r) => setTimeout(r, 1000).unref())]);
    this.socket.destroy();
  }

  private async run(sql: string, timeoutMs: number): Promise<pg.QueryResult> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.socket.destroy();
        reject(new ConsoleTimeout(`${sql} did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.client.query(sql), timeout]);
    } catch (err) {
      if (err instanceof ConsoleTimeout) throw err;
      throw new SwitchFailedError(`The PgBouncer console refused "${sql}": ${messageOf(err)}`);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The console's identifiers: double quotes, a quote doubled (PgBouncer's admin.c unquotes so). */
function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function render(e: { host: string | null | undefined; port: number; database: string }): string {
  return describeEndpoint({ host: e.host ?? '(unix socket)', port: e.port, database: e.database });
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
