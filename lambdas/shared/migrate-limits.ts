/**
 * The migrate workflow's loop limits, and why they are what they are.
 *
 * A Standard workflow keeps at most 25,000 history events per execution; past that the execution
 * fails outright (no Catch runs). The polling loops and the comparison Map all spend events, so
 * the defaults are chosen from this budget (test/lambdas/validate-input/step.test.ts checks the
 * arithmetic):
 *
 * - one turn of a wait loop (Wait, two Pass states, the Lambda Task, the Choice) costs 13 events:
 *   the full-load loop at most 720 x 13 = 9,360, the lag loop at most 60 x 13 = 780;
 * - the fixed states (eleven Lambda Tasks of 5 events, two Choices, the Map's own 4, a Pass, the start
 *   and the end): 67, counted as 80;
 * - each table in the comparison Map 11 events when it finishes in one round, 9 more per extra
 *   round; a Lambda retry adds about 3.
 *
 * That leaves about 14,700 events: some 1,300 tables compared in one round each, or fewer tables
 * with more rounds. Polling every 2 minutes instead of every minute keeps the same wall-clock
 * limits (24 h of full load, 2 h of lag) at half the events; a one-minute poll would leave room
 * for only about 400 tables after a full load that took the whole 24 h. More tables than that
 * need a Distributed Map (each child execution has its own history).
 */
export const HISTORY_EVENT_LIMIT = 25_000;

/** Events one turn of a wait loop costs: Wait 2 + Pass 2 + Pass 2 + Lambda Task 5 + Choice 2. */
export const EVENTS_PER_POLL = 13;
/** Events of the states every execution passes once (Tasks, the Map's own events, start and end). */
export const FIXED_EVENTS = 80;
/** Events of one table in the comparison Map that finishes in one round. */
export const EVENTS_PER_TABLE = 11;
/** Events of each further comparison round of a table (Task 5 + Choice 2 + Pass 2). */
export const EVENTS_PER_EXTRA_ROUND = 9;

export const MIGRATE_DEFAULTS = {
  /** Seconds between two looks at the replication (full load, then lag). */
  pollSeconds: 120,
  maxPolls: {
    /** 720 x 2 min = 24 h of full load before the workflow gives up (replication keeps running). */
    fullLoad: 720,
    /** 60 x 2 min = 2 h for the lag to come under the threshold. */
    lag: 60,
    /** Lambda invocations per table (each up to ~14 minutes, resuming from checkpoints). */
    compareRounds: 200,
  },
  /**
   * The workflow's TimeoutSeconds (48 h): the lease cannot expire while the execution lives, so no
   * other execution can take the lock from a live one. A stopped or timed-out execution never
   * reaches its Catch; the execution-ended function releases its lock when EventBridge reports it.
   */
  leaseSeconds: 172_800,
  /** Delay before a difference found under live replication is compared again. */
  settleMs: 2_000,
} as const;

/** History events the polling loops and fixed states can use at most with these limits. */
export function worstCasePollingEvents(limits: { readonly maxPolls: { readonly fullLoad: number; readonly lag: number } }): number {
  return FIXED_EVENTS + EVENTS_PER_POLL * (limits.maxPolls.fullLoad + limits.maxPolls.lag);
}
