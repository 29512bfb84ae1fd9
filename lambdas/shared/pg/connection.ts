import pg from 'pg';
import { FerryError, TransientError } from '../errors';

/**
 * Session settings that make the text form of every value independent of the server's own
 * configuration, so equal data has equal text on both databases: UTC timestamps, ISO dates,
 * shortest exact floats, hex bytea, and the default interval style.
 */
export const NORMALIZED_SESSION_SETTINGS: Readonly<Record<string, string>> = {
  TimeZone: 'UTC',
  DateStyle: 'ISO, YMD',
  IntervalStyle: 'postgres',
  extra_float_digits: '3',
  bytea_output: 'hex',
  client_encoding: 'UTF8',
};

/** Which database a connection is to. */
export interface DatabaseRef {
  /** Names it in error messages: "source database (db.example.com:5432/orders)". Never a password. */
  readonly label: string;
  readonly config: pg.ClientConfig;
}

/** A database could not be reached, or refused us: names the database and the cause. */
export class DatabaseConnectionError extends TransientError {
  override readonly name = 'DatabaseConnectionError';

  constructor(
    readonly database: string,
    cause: unknown,
  ) {
    super(`Could not connect to the ${database}: ${describeCause(cause)}`, { cause });
  }
}

/** A query failed for a reason retrying will not fix (permission, missing object). */
export class DatabaseQueryError extends FerryError {
  override readonly name = 'DatabaseQueryError';

  constructor(
    readonly database: string,
    cause: unknown,
  ) {
    super(`The ${database} refused a query: ${describeCause(cause)}`, { cause });
  }
}

function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const code = (cause as { code?: string }).code;
  const hints: Record<string, string> = {
    '28P01': 'authentication failed (check the user and password in the secret)',
    '28000': 'no access for this user (check pg_hba.conf or the security group)',
    '3D000': 'the database does not exist',
    '42501': 'permission denied (the user needs SELECT on the compared tables and the catalogs)',
    ECONNREFUSED: 'connection refused (is the server running, and is the port right?)',
    ENOTFOUND: 'the host name does not resolve',
    ETIMEDOUT: 'the connection timed out (check the network path and security groups)',
  };
  const hint = code ? hints[code] : undefined;
  return hint ? `${hint}: ${cause.message}` : cause.message || code || cause.name;
}

/** The error code of a pg or socket error, if any. */
function errorCode(error: unknown): string | undefined {
  return (error as { code?: unknown } | null)?.code as string | undefined;
}

/** Connection-level failures: worth retrying, and reported as "could not connect". */
export function isConnectionFailure(error: unknown): boolean {
  const code = errorCode(error);
  if (code === undefined) return /Connection terminated|timeout/i.test((error as Error)?.message ?? '');
  return /^(08|57P0[123]|53300)/.test(code) || /^E(CONNREFUSED|CONNRESET|NOTFOUND|TIMEDOUT|PIPE|AI_AGAIN|HOSTUNREACH)$/.test(code);
}

/** Settings as a libpq `options` string (`-c name=value`), applied at connection start. */
function settingsOption(settings: Readonly<Record<string, string>>): string {
  return Object.entries(settings)
    .map(([name, value]) => `-c ${name}=${value.replace(/([\\ ])/g, '\\$1')}`)
    .join(' ');
}

/**
 * No parallel workers for Ferry's long reads (comparisons): one core per database at most, so a
 * comparison never crowds out the application on a production source. No JIT: a comparison runs
 * many short statements, and their estimated costs pass jit_above_cost (a 100,000-row segment
 * already does, and far more so without statistics), so each would be compiled at a cost that
 * running it once never earns back.
 */
export const READER_SETTINGS: Readonly<Record<string, string>> = {
  max_parallel_workers_per_gather: '0',
  jit: 'off',
};

export interface PoolOptions {
  /** Extra session settings, over the normalized ones. @default READER_SETTINGS */
  readonly settings?: Readonly<Record<string, string>>;
  /** Most connections open at once to this database. @default 4 */
  readonly max?: number;
  /** Application name shown in pg_stat_activity. @default 'ferry' */
  readonly applicationName?: string;
}

/**
 * A pool whose every connection has the normalized session settings. Connection and query
 * errors are wrapped to name the database (`DatabaseConnectionError`, `DatabaseQueryError`).
 */
export class Database {
  readonly label: string;
  private readonly pool: pg.Pool;
  /** What the pool connects with, for a session outside it (a replication connection, a copier's). */
  readonly ref: DatabaseRef;

  constructor(ref: DatabaseRef, options: PoolOptions = {}) {
    this.label = ref.label;
    this.ref = ref;
    this.pool = new pg.Pool({
      ...ref.config,
      max: options.max ?? 4,
      application_name: options.applicationName ?? 'ferry',
      options: settingsOption({ ...(options.settings ?? READER_SETTINGS), ...NORMALIZED_SESSION_SETTINGS }),
    });
    // An idle client that loses its server must not crash the process; the next query reports it.
    this.pool.on('error', () => undefined);
  }

  /** Runs one statement; each statement sees one consistent snapshot. */
  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]> {
    const client = await this.connect();
    try {
      return (await client.query<R>(text, values)).rows;
    } catch (error) {
      throw this.wrap(error);
    } finally {
      client.release();
    }
  }

  /**
   * Runs one statement with planner settings changed for it alone (SET before, RESET after, on
   * the same connection). Setting names are fixed strings of ours, never input.
   */
  async queryWithSettings<R extends pg.QueryResultRow = pg.QueryResultRow>(
    settings: Readonly<Record<string, 'on' | 'off'>>,
    text: string,
    values?: unknown[],
  ): Promise<R[]> {
    const names = Object.keys(settings);
    if (names.length === 0) return this.query<R>(text, values);
    for (const name of names) if (!/^[a-z_]+$/.test(name)) throw new RangeError(`not a setting name: ${name}`);
    return this.withClient(async (client) => {
      await client.query(names.map((n) => `set ${n} = ${settings[n] === 'on' ? 'on' : 'off'}`).join('; '));
      try {
        return (await client.query<R>(text, values)).rows;
      } finally {
        await client.query(names.map((n) => `reset ${n}`).join('; '));
      }
    });
  }

  /** Runs `fn` with one dedicated connection (for several statements in one session). */
  async withClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.connect();
    try {
      return await fn(client);
    } catch (error) {
      throw this.wrap(error);
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /**
   * A connected client outside the pool, with the normalized session settings, for a statement
   * that may outlive this invocation (an index build): closing the pool does not end it, its
   * caller does. Connection failures are wrapped as the pool's are.
   */
  async dedicatedClient(applicationName: string): Promise<pg.Client> {
    const client = new pg.Client({ ...this.ref.config, application_name: applicationName, options: settingsOption(NORMALIZED_SESSION_SETTINGS) });
    // A build's client may lose its server while nobody waits on it; that must not crash the process.
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (error) {
      throw new DatabaseConnectionError(this.label, error);
    }
    return client;
  }

  private async connect(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      throw new DatabaseConnectionError(this.label, error);
    }
  }

  /** Only driver and server errors are wrapped; anything else (a bug, an assertion) passes as is. */
  private wrap(error: unknown): unknown {
    if (error instanceof FerryError) return error;
    if (isConnectionFailure(error)) return new DatabaseConnectionError(this.label, error);
    if (error instanceof pg.DatabaseError) return new DatabaseQueryError(this.label, error);
    return error;
  }
}
