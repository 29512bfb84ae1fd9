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

/**
 * Ends every session of `roles` in this database that exists now and waits until they are gone,
 * so that whatever they held (a transaction, unflushed statistics: a backend flushes its pending
 * counters as it exits) is settled. Sessions the clients open meanwhile are left alone. Returns
 * how many were ended and when the last was gone (the database's clock, epoch ms).
 * FreezeExpiredError at the deadline.
 */
export async function endSessionsAndWait(
  db: Database,
  roles: readonly string[],
  options: SessionWaitOptions,
): Promise<{ ended: number; endedAt: number }> {
  const sleep = options.sleep ?? sleepFor;
  const pollMs = options.pollMs ?? 10;
  // pg_terminate_backend in the select list runs only for the rows the WHERE clause kept; in the
  // WHERE clause the planner could evaluate it before the other conditions (it orders them by cost).
  const killed = await db.query<{ pid: number; ended: boolean }>(
    `select pid, pg_terminate_backend(pid) as ended from pg_stat_activity
      where datname = current_database() and usename = any($1::text[]) and pid <> pg_backend_pid()`,
    [[...roles]],
  );
  const pids = killed.filter((r) => r.ended).map((r) => r.pid);
  for (;;) {
    const [row] = await db.query<{ left: number; now: Date }>(
      'select count(*)::int as left, clock_timestamp() as now from pg_stat_activity where pid = any($1::int[])',
      [pids],
    );
    if (row!.left === 0) return { ended: pids.length, endedAt: row!.now.getTime() };
    if (options.now() + pollMs > options.deadline) {
      throw new FreezeExpiredError(
        `${row!.left} session(s) of the frozen roles did not end after pg_terminate_backend before the freeze's maximum duration; ` +
          `check that Ferry's role may signal them (pg_signal_backend) and what they are doing.`,
      );
    }
    await sleep(pollMs);
  }
}
