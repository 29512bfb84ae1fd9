import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { SwitchEndpoint } from '../lambdas/shared/switch/switch';

/**
 * What the client can prove about one write:
 * - `committed`: the database confirmed the commit; its effect must be on the final primary.
 * - `failed`: it certainly did not commit. Either nothing reached the server (the connection could
 *   not be made, so no statement was sent), or the server answered the statement with an ERROR
 *   (permission denied during a revoke freeze, read-only, a constraint): an ERROR aborts the
 *   statement's transaction, and each write is one statement in its own transaction. Its effect
 *   must not be on the final primary.
 * - `unknown`: the statement was sent and no verdict came back: the session was terminated (a
 *   FATAL), the connection broke, or something else went wrong after sending. The commit may
 *   have happened just before the connection went (PostgreSQL commits, then answers), so the
 *   audit accepts either outcome for it. Anything not proven `failed` is `unknown`: being wrong
 *   that way only loosens the audit for that one write, never reports a loss that did not happen.
 */
export type WriteOutcome = 'committed' | 'failed' | 'unknown';

/** One write the client attempted: its unique id, and what is known about its commit. */
export interface WriteAttempt {
  readonly id: string;
  /** `outcome === 'committed'`, kept for the callers that only ask whether it committed. */
  readonly committed: boolean;
  readonly outcome: WriteOutcome;
  /** performance.now() when the outcome was known. */
  readonly at: number;
  readonly error?: string;
}

/** One application write: `op` describes it (for the audit), `run` performs it as one statement. */
export interface Operation<Op> {
  readonly op: Op;
  /** One statement in its own transaction (autocommit), or a transaction that rolls itself back on error. */
  run(client: pg.Client): Promise<unknown>;
}

/** A write attempt together with what the write was. */
export type AttemptOf<Op> = WriteAttempt & { readonly op: Op };

export interface ApplicationClientOptions {
  /** Pause after a committed write. @default 2 */
  readonly pauseMs?: number;
  /** Pause after a failed or unknown write, as an application backs off before retrying. @default pauseMs */
  readonly retryPauseMs?: number;
}

interface Connection {
  readonly client: pg.Client;
  readonly endpoint: string;
  /** The socket ended or errored (e.g. the session was terminated while idle): not usable any more. */
  broken: boolean;
}

/**
 * An application client that knows nothing about the migration: before each write it asks where
 * the database is (the switch, as a real client reads an SSM parameter or DNS), reconnects when
 * that changed or its connection broke, and performs the next operation. A connection that only
 * saw a statement rejected is kept, as a pool keeps it. Every attempt is recorded with its outcome.
 */
export class ApplicationClient<Op> {
  readonly attempts: Array<AttemptOf<Op>> = [];
  private running = false;
  private loop: Promise<void> | undefined;
  private connection: Connection | undefined;
  private n = 0;
  private readonly pauseMs: number;
  private readonly retryPauseMs: number;

  constructor(
    private readonly endpoint: () => SwitchEndpoint,
    private readonly credentials: { readonly user: string; readonly password: string },
    /** Ids are `<prefix>-<n>`, n counting from 1. */
    readonly prefix: string,
    private readonly next: (id: string) => Operation<Op>,
    options: ApplicationClientOptions = {},
  ) {
    this.pauseMs = options.pauseMs ?? 2;
    this.retryPauseMs = options.retryPauseMs ?? this.pauseMs;
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await this.disconnect();
  }

  /** Committed writes per second over the last `windowMs`. */
  writesPerSecond(windowMs = 2000): number {
    const since = performance.now() - windowMs;
    let n = 0;
    for (let i = this.attempts.length - 1; i >= 0 && this.attempts[i]!.at >= since; i--) if (this.attempts[i]!.committed) n++;
    return Math.round((n * 1000) / windowMs);
  }

  /** Waits until `count` more writes have committed (so a phase of the test happened under load). */
  async committedMore(count: number, timeoutMs = 30_000): Promise<void> {
    const goal = this.committed().length + count;
    const until = Date.now() + timeoutMs;
    while (this.committed().length < goal) {
      if (Date.now() > until) throw new Error(`only ${this.committed().length} of ${goal} writes committed in ${timeoutMs} ms; last error: ${this.attempts.at(-1)?.error}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  committed(): Array<AttemptOf<Op>> {
    return this.attempts.filter((a) => a.committed);
  }

  /** The longest time between two consecutive committed writes, in ms: the write-unavailability window as this client saw it. */
  longestGapMs(): number {
    const times = this.committed().map((a) => a.at);
    let longest = 0;
    for (let i = 1; i < times.length; i++) longest = Math.max(longest, times[i]! - times[i - 1]!);
    return Math.round(longest);
  }

  private async run(): Promise<void> {
    while (this.running) {
      const id = `${this.prefix}-${++this.n}`;
      const { op, run } = this.next(id);
      const outcome = await this.attempt(run);
      this.attempts.push({ id, op, committed: outcome.outcome === 'committed', at: performance.now(), ...outcome });
      await new Promise((r) => setTimeout(r, outcome.outcome === 'committed' ? this.pauseMs : this.retryPauseMs));
    }
  }

  private async attempt(run: (client: pg.Client) => Promise<unknown>): Promise<{ outcome: WriteOutcome; error?: string }> {
    let client: pg.Client;
    try {
      client = await this.connected();
    } catch (error) {
      // Nothing was sent: the write cannot have happened.
      await this.disconnect();
      return { outcome: 'failed', error: (error as Error).message };
    }
    try {
      await run(client);
      return { outcome: 'committed' };
    } catch (error) {
      if (isStatementError(error)) return { outcome: 'failed', error: error.message };
      await this.disconnect();
      return { outcome: 'unknown', error: (error as Error).message };
    }
  }

  private async connected(): Promise<pg.Client> {
    const e = this.endpoint();
    const key = `${e.host}:${e.port}/${e.database}`;
    if (this.connection && this.connection.endpoint === key && !this.connection.broken) return this.connection.client;
    await this.disconnect();
    const client = new pg.Client({ host: e.host, port: e.port, database: e.database, ...this.credentials, connectionTimeoutMillis: 2000 });
    const connection: Connection = { client, endpoint: key, broken: false };
    client.on('error', () => (connection.broken = true));
    client.on('end', () => (connection.broken = true));
    this.connection = connection;
    await client.connect();
    return client;
  }

  private async disconnect(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    await connection?.client.end().catch(() => undefined);
  }
}

/**
 * The server rejected the statement with severity ERROR: its transaction was rolled back and the
 * session lives on. A FATAL (the session was terminated) or PANIC ends the session with no
 * verdict on the statement. pg reports the localized severity; on a server with another
 * language this never matches, which only makes such writes `unknown`.
 */
function isStatementError(error: unknown): error is pg.DatabaseError {
  return error instanceof pg.DatabaseError && error.severity === 'ERROR';
}
