import type { Database } from '../pg/connection';
import { FreezeExpiredError } from './errors';

export interface SessionWaitOptions {
  /** Epoch ms (the caller's clock) when giving up. */
  readonly deadline: number;
  readonly now: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default 50 */
  readonly pollMs?: number;
}

interface Session {
  readonly pid: number;
  readonly usename: string;
  readonly state: string | null;
  readonly xact_start: Date | null;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Sessions of `roles` in this database holding a transaction id: a write that may still commit. */
async function writingSessions(db: Database, roles: readonly string[]): Promise<Session[]> {
  return db.query<Session>(
    `select pid, usename, state, xact_start from pg_stat_activity
      where datname = current_database() and usename = any($1::text[]) and backend_xid is not null and pid <> pg_backend_pid()`,
    [[...roles]],
  );
}

/**
 * Ends (`terminate`) or waits out (`wait`) the write transactions of `roles` that are open now,
 * until two looks `pollMs` apart find none: a statement that passed its privilege check just
 * before the freeze gets its transaction id a moment later, and the second look catches it.
 * Returns how many were terminated. FreezeExpiredError at the deadline.
 */
export async function endOpenWrites(
  db: Database,
  roles: readonly string[],
  mode: 'terminate' | 'wait',
  options: SessionWaitOptions,
): Promise<{ terminated: number; waitedMs: number }> {
  const sleep = options.sleep ?? sleepFor;
  const pollMs = options.pollMs ?? 50;
  const started = options.now();
  const killed = new Set<number>();
  let quietLooks = 0;
  while (quietLooks < 2) {
    const open = await writingSessions(db, roles);
    if (open.length === 0) quietLooks += 1;
    else {
      quietLooks = 0;
      if (mode === 'terminate') {
        const pids = open.map((s) => s.pid).filter((pid) => !killed.has(pid));
        if (pids.length > 0) await db.query('select pg_terminate_backend(pid) from unnest($1::int[]) as pid', [pids]);
        for (const pid of pids) killed.add(pid);
      }
      if (options.now() + pollMs > options.deadline) {
        const list = open.map((s) => `pid ${s.pid} (${s.usename}, transaction open since ${s.xact_start?.toISOString() ?? '?'})`).join(', ');
        throw new FreezeExpiredError(
          `Write transactions of the frozen roles were still open when the freeze's maximum duration ran out: ${list}. ` +
            (mode === 'wait'
              ? `freeze.openTransactions is 'wait'; set it to 'terminate' to end them, or find what keeps them open.`
              : `They did not end after pg_terminate_backend; check that Ferry's role may signal them (pg_signal_backend).`),
        );
      }
    }
    if (quietLooks < 2) await sleep(pollMs);
  }
  return { terminated: killed.size, waitedMs: options.now() - started };
}

/**
 * Ends every session of `roles` in this database (optionally only those that started at or after
 * `startedSince`, the database's clock), so that the clients reconnect and pick up a changed role
 * setting or a moved endpoint. Returns how many were ended.
 */
export async function endSessions(db: Database, roles: readonly string[], startedSince?: Date): Promise<number> {
  const rows = await db.query<{ ended: boolean }>(
    `select pg_terminate_backend(pid) as ended from pg_stat_activity
      where datname = current_database() and usename = any($1::text[]) and pid <> pg_backend_pid()
        and ($2::timestamptz is null or backend_start >= $2::timestamptz)`,
    [[...roles], startedSince ?? null],
  );
  return rows.filter((r) => r.ended).length;
}
