import type { ReplicationStatus, TableProgress } from '../engine';
import { copyState, tableErrors } from './table-progress';
import { describeReplication, logHint, type DmsReplicationView } from './view';

/**
 * The port's status from one look at a DMS replication and its table statistics:
 *
 * | DMS phase                 | tables                | status                                     |
 * | ------------------------- | --------------------- | ------------------------------------------ |
 * | never started             |                       | not-started                                |
 * | busy `creating`, starting |                       | starting (detail: DMS status, provisioning) |
 * | any other busy, stopping  |                       | stopped (detail: what DMS is doing)         |
 * | failed                    | any                   | failed: DMS's failure message + stop reason |
 * | running, stopped          | a table in error      | failed: the tables and their errors         |
 * | running                   | copy complete         | cdc                                        |
 * | running                   | otherwise             | full-load                                  |
 * | stopped                   |                       | stopped (detail: stop reason)              |
 * | unknown status            |                       | starting (detail names the status)         |
 */
export function toReplicationStatus(view: DmsReplicationView, tables: readonly TableProgress[]): ReplicationStatus {
  const what = describeReplication(view);
  const errors = tableErrors(tables);
  switch (view.phase) {
    case 'never-started':
      return { state: 'not-started' };
    case 'starting':
      return { state: 'starting', detail: `${what} is ${humanStatus(view)}` };
    case 'unknown':
      return { state: 'starting', detail: `${what} reports status "${view.status}", which Ferry does not know yet; waiting for a known one` };
    case 'busy':
      return view.status === 'creating'
        ? { state: 'starting', detail: `${what} is being created` }
        : { state: 'stopped', detail: `${what} is ${view.status}; it does not replicate until that finishes` };
    case 'failed':
      return { state: 'failed', cause: failureCause(view, errors), tables };
    case 'stopping':
    case 'stopped':
    case 'running':
      if (errors) return { state: 'failed', cause: tableErrorCause(view, errors), tables };
      if (view.phase !== 'running') return { state: 'stopped', detail: stoppedDetail(view, tables) };
      return copyState(view, tables) === 'complete' ? { state: 'cdc', tables } : { state: 'full-load', tables };
  }
}

/**
 * The operator reads this in the execution history: DMS's own words first, then where to look.
 * DMS's LastFailureMessage is already specific ("Last Error Task error notification received from
 * subtask 0, thread 0 [reptask/replicationtask.c:2883] [1020101] ..."), so it is quoted whole.
 */
export function failureCause(view: DmsReplicationView, tableErrorList?: string): string {
  const messages = view.failureMessages.length > 0 ? view.failureMessages.join(' | ') : 'DMS gave no failure message';
  const reason = view.stopReason ? ` Stop reason: ${view.stopReason}.` : '';
  const tablesPart = tableErrorList ? ` Tables in error: ${tableErrorList}.` : '';
  return (
    `${describeReplication(view)} failed: ${withPeriod(messages)}${reason}${tablesPart} ${logHint(view)} for the full ` +
    `error. Fix the cause, then start the replication again (Ferry resumes it where that is safe).`
  );
}

function tableErrorCause(view: DmsReplicationView, errors: string): string {
  return (
    `${describeReplication(view)} could not replicate some tables: ${errors}. ${logHint(view)} for the reason. ` +
    `Fix the cause, empty those tables on the target (TRUNCATE), and reload them (DMS console: the task's table ` +
    `statistics, "Reload table data"); the other tables keep replicating.`
  );
}

function stoppedDetail(view: DmsReplicationView, tables: readonly TableProgress[]): string {
  const what = describeReplication(view);
  if (view.phase === 'stopping') return `${what} is stopping`;
  const reason = view.stopReason ? ` (stop reason ${view.stopReason})` : '';
  const copy = copyState(view, tables);
  const next =
    copy === 'partial'
      ? 'it stopped during its full load, so start() refuses to resume it: empty the target tables and start with reload: true'
      : 'start() resumes it';
  return `${what} is stopped${reason}; ${next}`;
}

function humanStatus(view: DmsReplicationView): string {
  const status = view.status.replace(/_/g, ' ');
  return view.provisionState ? `${status} (capacity ${view.provisionState})` : status;
}

function withPeriod(text: string): string {
  return /[.!?]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`;
}
