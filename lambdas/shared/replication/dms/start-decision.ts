import { ReplicationBusyError, ReplicationStartRefusedError, type StartOutcome } from '../engine';
import type { DmsStartType } from './flavour';
import { copyState, type CopyState } from './table-progress';
import type { TableProgress } from '../engine';
import { describeReplication, type DmsReplicationView } from './view';

export type StartDecision =
  | { readonly call: DmsStartType; readonly action: Exclude<StartOutcome['action'], 'already-running'>; readonly why: string }
  | { readonly call: 'none'; readonly action: 'already-running'; readonly why: string };

/**
 * Which DMS start call, if any, a `start()` makes. "stopped/failed" includes a `ready` task that
 * ran before; "copy" is how far the initial copy got (table-progress.ts).
 *
 * | direction | DMS phase             | copy      | reload | call                                  | action          |
 * | --------- | --------------------- | --------- | ------ | ------------------------------------- | --------------- |
 * | any       | starting, running     |           | any    | none                                  | already-running |
 * | any       | stopping, busy, ?     |           | any    | none: ReplicationBusyError (retried)  |                 |
 * | forward   | never started         |           | any    | start-replication                     | started         |
 * | forward   | stopped, failed       | complete  | no     | resume-processing                     | resumed         |
 * | forward   | stopped, failed       | not-begun | no     | resume-processing                     | resumed         |
 * | forward   | stopped, failed       | partial   | no     | none: ReplicationStartRefusedError    |                 |
 * | forward   | stopped, failed       | any       | yes    | reload-target                         | reloaded        |
 * | reverse   | never started         |           | no     | start-replication + CdcStartPosition  | started         |
 * | reverse   | stopped, failed       |           | no     | resume-processing                     | resumed         |
 * | reverse   | not running           |           | yes    | none: ReplicationStartRefusedError    |                 |
 *
 * Why `partial` is refused: resuming a task that stopped during its full load loads again every
 * table that was not completed (DMS API reference, StartReplicationTask), on top of the rows
 * already copied. With the target table preparation mode DO_NOTHING those rows stay, so the
 * table ends up with duplicates (or fails on its primary key). Only the operator can empty the
 * target tables; then `reload: true` restarts the full load. DMS Serverless states the same
 * ("you can't resume partially loaded tables during the full load phase").
 *
 * `reload` on a running replication is `already-running`, not a refusal: a step that asked for a
 * reload, crashed, and runs again finds the reload it started, and must not fail on it.
 */
export function decideStart(
  view: DmsReplicationView,
  tables: readonly TableProgress[] | undefined,
  options: { readonly reload: boolean; readonly direction: 'forward' | 'reverse' },
): StartDecision {
  const what = describeReplication(view);
  switch (view.phase) {
    case 'starting':
    case 'running':
      return { call: 'none', action: 'already-running', why: `${what} is already ${view.status}; nothing was started again` };
    case 'stopping':
    case 'busy':
    case 'unknown':
      throw new ReplicationBusyError(
        `${what} is ${view.status}, so it cannot be started now. Nothing was changed; the workflow tries again once DMS has finished.`,
      );
    case 'never-started':
      if (options.direction === 'reverse' && options.reload) throw reverseReloadRefused(what);
      return {
        call: 'start-replication',
        action: 'started',
        why:
          options.direction === 'forward'
            ? `${what} started for the first time: full load, then ongoing changes`
            : `${what} started: changes from the target back to the source, from the given position`,
      };
    case 'stopped':
    case 'failed':
      return resumeOrReload(view, tables, options, what);
  }
}

function resumeOrReload(
  view: DmsReplicationView,
  tables: readonly TableProgress[] | undefined,
  options: { readonly reload: boolean; readonly direction: 'forward' | 'reverse' },
  what: string,
): StartDecision {
  if (options.direction === 'reverse') {
    if (options.reload) throw reverseReloadRefused(what);
    return { call: 'resume-processing', action: 'resumed', why: `${what} resumed from its last checkpoint (it was ${view.status})` };
  }
  if (options.reload) {
    return { call: 'reload-target', action: 'reloaded', why: `${what} restarted its full load from scratch (it was ${view.status})` };
  }
  const copy: CopyState = copyState(view, tables ?? []);
  if (copy === 'partial') throw partialCopyRefused(view, tables ?? [], what);
  return {
    call: 'resume-processing',
    action: 'resumed',
    why:
      copy === 'complete'
        ? `${what} resumed from its last checkpoint (it was ${view.status} after its full load)`
        : `${what} resumed (it was ${view.status} before any table was copied, so its full load runs in full)`,
  };
}

function partialCopyRefused(view: DmsReplicationView, tables: readonly TableProgress[], what: string): ReplicationStartRefusedError {
  const unfinished = tables
    .filter((t) => t.state === 'loading' || t.state === 'error')
    .map((t) => `${t.table} (${t.state}${t.rowsCopied === undefined ? '' : `, ${t.rowsCopied} rows copied`})`);
  const which = unfinished.length > 0 ? `Tables partly copied: ${unfinished.join(', ')}. ` : '';
  return new ReplicationStartRefusedError(
    `${what} is ${view.status} and its full load did not finish. ${which}Resuming would load the unfinished ` +
      `tables again on top of the rows already copied and duplicate them (the target tables are left as they ` +
      `are: TargetTablePrepMode DO_NOTHING). Nothing was started. Empty every selected table on the target ` +
      `(TRUNCATE), then start the replication again with reload: true.`,
  );
}

function reverseReloadRefused(what: string): ReplicationStartRefusedError {
  return new ReplicationStartRefusedError(
    `${what} replicates changes from the target back to the source only; a reload would copy the target's ` +
      `tables over the source. Nothing was started. Start it without reload.`,
  );
}
