import { FerryError, TransientError } from '../errors';

/**
 * The Switch port: how the application's clients find their database. A cutover points them at
 * the target, a rollback back at the source. Adapters: an SSM parameter, a Secrets Manager secret
 * (its host fields), a Route 53 CNAME, PgBouncer; locally also memory.
 *
 * Every method is safe to call again after a crash (the steps that call them are at-least-once):
 * pointing at the side the clients already use changes nothing and says so.
 */
export interface Switch {
  /** `ssm-parameter`, `secrets-manager`, `route53`, `pgbouncer` or `memory`, for messages. */
  readonly strategy: string;
  /** Where the clients are pointed now. */
  current(): Promise<SwitchPosition>;
  /** Points the clients at `side`. */
  pointTo(side: Side): Promise<SwitchOutcome>;
}

export type Side = 'source' | 'target';

/** A database as the clients reach it. */
export interface SwitchEndpoint {
  readonly host: string;
  readonly port: number;
  readonly database: string;
}

/** The two endpoints a switch moves between (from the migration's source and target). */
export interface SwitchEndpoints {
  readonly source: SwitchEndpoint;
  readonly target: SwitchEndpoint;
}

export interface SwitchPosition {
  /** `unknown`: the value is neither endpoint (someone else changed it, or it was never set). */
  readonly side: Side | 'unknown';
  /** The value as read (host, record, line), for messages; never a password. */
  readonly value: string;
}

export interface SwitchOutcome {
  readonly action: 'switched' | 'already';
  readonly side: Side;
  /** The value before and after, for the execution history and the report. */
  readonly from: string;
  readonly to: string;
  readonly message: string;
}

/**
 * The switch holds a value that is neither the source nor the target endpoint. Ferry does not
 * overwrite what it did not write: the operator must look (someone else may be moving the clients).
 */
export class SwitchUnexpectedValueError extends FerryError {
  override readonly name = 'SwitchUnexpectedValueError';
}

/** The switch's store is missing or unusable (no such parameter, secret, record, or console). */
export class SwitchFailedError extends FerryError {
  override readonly name = 'SwitchFailedError';
}

/** Throttling, a change still propagating, a console busy: retried by the workflow. */
export class SwitchTransientError extends TransientError {
  override readonly name = 'SwitchTransientError';
}

/** The endpoint on `side`, for messages. */
export function describeEndpoint(e: SwitchEndpoint): string {
  return `${e.host}:${e.port}/${e.database}`;
}

/**
 * The side a value names, given how to read one endpoint into the value's form. Comparison is on
 * the normalised form so that case in host names or a trailing dot in DNS does not matter.
 */
export function sideOf(value: string, endpoints: SwitchEndpoints, render: (e: SwitchEndpoint) => string): Side | 'unknown' {
  const norm = (v: string) => v.trim().toLowerCase().replace(/\.$/, '');
  if (norm(value) === norm(render(endpoints.target))) return 'target';
  if (norm(value) === norm(render(endpoints.source))) return 'source';
  return 'unknown';
}

/** Memory, for tests and the local runner: the clients read `endpoint()` before connecting. */
export class MemorySwitch implements Switch {
  readonly strategy = 'memory';
  private side: Side = 'source';
  readonly history: Side[] = [];

  constructor(private readonly endpoints: SwitchEndpoints) {}

  /** Where the clients should connect now. */
  endpoint(): SwitchEndpoint {
    return this.endpoints[this.side];
  }

  async current(): Promise<SwitchPosition> {
    return { side: this.side, value: describeEndpoint(this.endpoint()) };
  }

  async pointTo(side: Side): Promise<SwitchOutcome> {
    const from = describeEndpoint(this.endpoint());
    if (this.side === side) return { action: 'already', side, from, to: from, message: `clients already use the ${side} (${from})` };
    this.side = side;
    this.history.push(side);
    const to = describeEndpoint(this.endpoint());
    return { action: 'switched', side, from, to, message: `clients moved from ${from} to the ${side} (${to})` };
  }
}
