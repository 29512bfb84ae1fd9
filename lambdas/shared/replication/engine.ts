import { FerryError, TransientError } from '../errors';

/**
 * The ReplicationEngine port: what the workflows need from a replication, whichever engine runs
 * it (AWS DMS, or native PostgreSQL logical replication). Every method is safe to call again
 * after a crash (the steps that call them are at-least-once).
 */
export interface ReplicationEngine {
  /** `dms` or `native`, for messages and metrics. */
  readonly kind: 'dms' | 'native';
  /** Which direction this engine replicates: source -> target, or target -> source (rollback). */
  readonly direction: 'forward' | 'reverse';

  /**
   * Starts the replication, or resumes it where it stopped. Never copies data twice: a replication
   * that already runs is left alone (`already-running`); one that stopped resumes from its
   * position. `reload` restarts the full load, and only makes sense on empty target tables.
   */
  start(options?: StartOptions): Promise<StartOutcome>;

  /** One look at the replication: its state and, while loading, per-table progress. */
  status(): Promise<ReplicationStatus>;

  /** How far the target is behind the source; ReplicationLagUnknownError when it cannot be told. */
  lag(): Promise<ReplicationLag>;

  /**
   * Stops the replication and removes what it created on the databases (for native: the
   * subscription, its slot and the publication). Idempotent: stopping a stopped or never-started
   * replication succeeds.
   */
  stop(): Promise<StopOutcome>;

  /**
   * For rollback after cutover: sets up replication from the target back to the source, starting
   * at the target's current position (no data is copied), and pauses this (forward) replication,
   * which has nothing left to carry once the source is frozen and drained. Call only then.
   * Idempotent. Undo with `reverse.stop()` followed by `start()` (which resumes forward).
   */
  prepareReverse(): Promise<ReverseReplication>;

  /** The engine for the reverse direction, if `prepareReverse` has set it up (else undefined). */
  reverse(): Promise<ReplicationEngine | undefined>;
}

export interface StartOptions {
  /** Restart the full load from scratch (target tables must be empty). @default false */
  readonly reload?: boolean;
}

export interface StartOutcome {
  /** What was done: a first start, a resume after a stop, a reload, or nothing. */
  readonly action: 'started' | 'resumed' | 'reloaded' | 'already-running';
  /** Human-readable, for the execution history. */
  readonly message: string;
}

export interface StopOutcome {
  readonly action: 'stopped' | 'already-stopped';
  readonly message: string;
}

export interface ReverseReplication {
  readonly action: 'prepared' | 'already-prepared';
  /** Where on the target the reverse replication starts (an LSN for PostgreSQL). */
  readonly startPosition: string;
  readonly message: string;
}

/** One table during the initial copy. Names are `schema.table` as displayed (quoted if needed). */
export interface TableProgress {
  readonly table: string;
  readonly state: 'pending' | 'loading' | 'loaded' | 'error';
  /** Rows copied so far, when the engine knows. */
  readonly rowsCopied?: number;
  /** The engine's error for this table, when `state` is `error`. */
  readonly error?: string;
}

export type ReplicationStatus =
  /** Nothing exists yet (never started, or stopped and removed). */
  | { readonly state: 'not-started' }
  /** Starting: resources being created, or the task is starting up. */
  | { readonly state: 'starting'; readonly detail: string }
  /** Initial copy in progress; `tables` covers every selected table. */
  | { readonly state: 'full-load'; readonly tables: readonly TableProgress[] }
  /** Every table is copied; changes stream continuously. */
  | { readonly state: 'cdc'; readonly tables: readonly TableProgress[] }
  /** Stopped or paused; `start()` resumes it. */
  | { readonly state: 'stopped'; readonly detail: string }
  /** Failed: `cause` is the engine's own last error message, for the operator. */
  | { readonly state: 'failed'; readonly cause: string; readonly tables?: readonly TableProgress[] };

export type ReplicationState = ReplicationStatus['state'];

export interface ReplicationLag {
  /** Seconds between a change committing on the source and on the target (0 when caught up). */
  readonly seconds: number;
  /** WAL bytes not yet confirmed by the target (native only). */
  readonly bytes?: number;
}

/**
 * The lag cannot be told right now: the replication is not streaming, the subscriber is not
 * connected or did not catch up within the measuring window, or CloudWatch has no recent
 * datapoint. Retryable, and never to be read as "no lag": a guardrail that waits for a small lag
 * keeps waiting instead of cutting over blind. `bytes` is the unconfirmed WAL, when known.
 */
export class ReplicationLagUnknownError extends TransientError {
  override readonly name = 'ReplicationLagUnknownError';

  constructor(
    message: string,
    readonly bytes?: number,
  ) {
    super(message);
  }
}

/** The engine is busy with a change of state (DMS creating/modifying/stopping); try again soon. */
export class ReplicationBusyError extends TransientError {
  override readonly name = 'ReplicationBusyError';
}

/** The configured replication (task, config, subscription) does not exist where it should. */
export class ReplicationNotFoundError extends FerryError {
  override readonly name = 'ReplicationNotFoundError';
}

/** The replication failed; `cause` text comes from the engine. Stops the workflow. */
export class ReplicationFailedError extends FerryError {
  override readonly name = 'ReplicationFailedError';
}

/** The requested start is not possible from the current state (for example a reload that would duplicate rows). */
export class ReplicationStartRefusedError extends FerryError {
  override readonly name = 'ReplicationStartRefusedError';
}
