/**
 * One DMS replication as the engine reasons about it, whichever flavour runs it: an instance-based
 * replication task or a DMS Serverless replication (config). The flavour modules translate their
 * API shapes into this; the start decision and the status mapping work on it alone.
 */
export interface DmsReplicationView {
  readonly flavour: 'instance' | 'serverless';
  /** Task ARN (instance) or replication config ARN (serverless). */
  readonly arn: string;
  /** ReplicationTaskIdentifier / ReplicationConfigIdentifier, for messages. */
  readonly name: string;
  /** DMS's own status string, unchanged. */
  readonly status: string;
  readonly phase: DmsPhase;
  /** Whether it has ever been started (a `ready` task may also be one that ran and was modified). */
  readonly hasRun: boolean;
  /** `full-load`, `cdc` or `full-load-and-cdc`. */
  readonly migrationType?: string;
  /** StopReason without DMS's `Stop Reason ` prefix, e.g. `STOPPED_AFTER_FULL_LOAD`. */
  readonly stopReason?: string;
  /** LastFailureMessage (instance) or FailureMessages (serverless). */
  readonly failureMessages: readonly string[];
  /** The full load is known finished from the replication's own fields (finish date, stop reason). */
  readonly fullLoadFinished: boolean;
  readonly cdcStartPosition?: string;
  readonly recoveryCheckpoint?: string;
  /** Instance flavour: the replication instance running the task. */
  readonly replicationInstanceArn?: string;
  /** Serverless flavour: ProvisionData.ProvisionState (`provisioning`, `provisioned`, ...). */
  readonly provisionState?: string;
}

/**
 * DMS statuses grouped by what Ferry may do in them:
 * - `never-started`: created and never run; the first start is `start-replication`.
 * - `starting`: a start is under way (serverless: initializing ... replication_starting).
 * - `running`, `stopping`, `stopped`, `failed`: as named (`stopped` includes a `ready` task that ran before).
 * - `busy`: being created, modified, moved, deleted or assessed; no start or stop is accepted.
 * - `unknown`: a status this code does not know (DMS adds statuses); treated as busy.
 */
export type DmsPhase = 'never-started' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed' | 'busy' | 'unknown';

/** Stop reasons that mean the full load finished (DMS API reference, ReplicationTask.StopReason). */
const FULL_LOAD_FINISHED_REASONS = new Set(['FULL_LOAD_ONLY_FINISHED', 'STOPPED_AFTER_FULL_LOAD', 'STOPPED_AFTER_CACHED_EVENTS']);

/** `Stop Reason FULL_LOAD_ONLY_FINISHED` -> `FULL_LOAD_ONLY_FINISHED`. */
export function normalizeStopReason(raw: string | undefined): string | undefined {
  const reason = raw?.replace(/^Stop Reason\s+/i, '').trim();
  return reason ? reason : undefined;
}

export function stopReasonMeansFullLoadFinished(reason: string | undefined): boolean {
  return reason !== undefined && FULL_LOAD_FINISHED_REASONS.has(reason);
}

/** The last `:` part of an ARN: the resource id DMS uses in metric dimensions and log names. */
export function arnResourceId(arn: string): string {
  return arn.slice(arn.lastIndexOf(':') + 1);
}

/** The account id of an ARN (`arn:partition:service:region:account:...`). */
export function arnAccountId(arn: string): string {
  return arn.split(':')[4] ?? '';
}

/** `orders-forward` for messages, or the ARN when DMS gave no name. */
export function describeReplication(view: Pick<DmsReplicationView, 'flavour' | 'name'>): string {
  return `${view.flavour === 'instance' ? 'DMS task' : 'DMS Serverless replication'} "${view.name}"`;
}

/** Where DMS writes this replication's log, for operator messages. */
export function logHint(view: Pick<DmsReplicationView, 'flavour' | 'arn'>): string {
  const id = arnResourceId(view.arn);
  return view.flavour === 'instance'
    ? `See the task's CloudWatch log (log group dms-tasks-<replication instance name>, log stream dms-task-${id})`
    : `See the replication's CloudWatch log (log group dms-serverless-replication-${id})`;
}
