import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { DatabaseMigrationServiceClient } from '@aws-sdk/client-database-migration-service';
import type { RetryPolicy } from '../../retry';
import {
  ReplicationBusyError,
  ReplicationLagUnknownError,
  ReplicationFailedError,
  ReplicationNotFoundError,
  ReplicationStartRefusedError,
  type ReplicationEngine,
  type ReplicationLag,
  type ReplicationStatus,
  type ReverseReplication,
  type StartOptions,
  type StartOutcome,
  type StopOutcome,
  type TableProgress,
} from '../engine';
import type { DmsFlavour } from './flavour';
import { InstanceFlavour } from './instance-flavour';
import { readLatency } from './lag';
import type { DmsResource } from './resources';
import { ServerlessFlavour } from './serverless-flavour';
import { decideStart } from './start-decision';
import { failureCause, toReplicationStatus } from './status-mapping';
import { copyState, tablesProgress } from './table-progress';
import { describeReplication, type DmsReplicationView } from './view';

export interface DmsEngineOptions {
  readonly dms: DatabaseMigrationServiceClient;
  readonly cloudwatch: CloudWatchClient;
  /** The deployed task or replication-config ARNs, from FERRY_DMS. */
  readonly resource: DmsResource;
  /** @default 'forward' */
  readonly direction?: 'forward' | 'reverse';
  /**
   * The target database's current WAL position (`select pg_current_wal_lsn()`), e.g. `0/16B3748`:
   * where the reverse replication starts. Needed by `prepareReverse`. @default - none
   */
  readonly currentTargetPosition?: () => Promise<string>;
  /** @default Date.now */
  readonly now?: () => number;
  /** In-process retries of DMS and CloudWatch calls (tests make backoff instant). @default DEFAULT_RETRY_POLICY */
  readonly retry?: RetryPolicy;
}

/** A PostgreSQL LSN as `pg_lsn` prints it: two hex halves. */
const LSN = /^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/i;

/**
 * The ReplicationEngine port over AWS DMS: an instance-based replication task or a DMS Serverless
 * replication config per direction (resources.ts). The forward one runs full load + CDC; the
 * reverse one is CDC only, from target back to source, for rollback after cutover.
 *
 * What `stop()` cannot do: DMS creates a logical replication slot on the database it reads from
 * (or uses the one named in the endpoint's SlotName) and leaves it there when the replication
 * stops; the slot keeps WAL until it is dropped. This engine has no database connection, so the
 * caller drops the slot with SQL once the replication is finished for good (never on a pause:
 * a resume needs it).
 */
export class DmsEngine implements ReplicationEngine {
  readonly kind = 'dms' as const;
  readonly direction: 'forward' | 'reverse';
  private readonly flavour: DmsFlavour;
  private readonly arn: string;
  private readonly now: () => number;

  constructor(private readonly options: DmsEngineOptions) {
    this.direction = options.direction ?? 'forward';
    this.flavour =
      options.resource.kind === 'instance' ? new InstanceFlavour(options.dms, options.retry) : new ServerlessFlavour(options.dms, options.retry);
    this.arn = this.direction === 'forward' ? options.resource.forwardArn : options.resource.reverseArn;
    this.now = options.now ?? Date.now;
  }

  async start(options: StartOptions = {}): Promise<StartOutcome> {
    const reload = options.reload ?? false;
    const view = await this.describe();
    const mustCheckTables =
      this.direction === 'forward' && !reload && (view.phase === 'stopped' || view.phase === 'failed') && !copyKnownComplete(view);
    const tables = mustCheckTables ? await this.tables(view) : undefined;
    const decision = decideStart(view, tables, { reload, direction: this.direction });
    if (decision.call === 'none') return { action: decision.action, message: `${decision.why}.` };

    const position = this.direction === 'reverse' && decision.call === 'start-replication' ? await this.targetPosition(view) : undefined;
    await this.flavour.start(view, decision.call, position);
    return { action: decision.action, message: `${decision.why} (${decision.call}${position ? `, CdcStartPosition ${position}` : ''}).` };
  }

  async status(): Promise<ReplicationStatus> {
    const view = await this.describe();
    if (!['running', 'stopping', 'stopped', 'failed'].includes(view.phase)) return toReplicationStatus(view, []);
    let tables: TableProgress[];
    try {
      tables = await this.tables(view);
    } catch (error) {
      // A failed task's cause matters more than its table list; DMS may refuse the list then.
      if (view.phase !== 'failed' || !(error instanceof ReplicationBusyError)) throw error;
      tables = [];
    }
    return toReplicationStatus(view, tables);
  }

  async lag(): Promise<ReplicationLag> {
    const view = await this.describe();
    const what = describeReplication(view);
    if (view.phase !== 'running') {
      throw new ReplicationLagUnknownError(
        `${what} is ${view.status}, not applying changes, so it has no current lag (it falls further behind while it does not run).`,
      );
    }
    if (!copyKnownComplete(view) && copyState(view, await this.tables(view)) !== 'complete') {
      throw new ReplicationLagUnknownError(
        `${what} is still in its full load; changes are applied after it, so the lag is measured from then on.`,
      );
    }
    const dimensions = await this.flavour.latencyDimensions(view);
    return readLatency({ cloudwatch: this.options.cloudwatch, dimensions, what, now: this.now(), retry: this.options.retry });
  }

  async stop(): Promise<StopOutcome> {
    const { view, stopped } = await this.halt();
    const what = describeReplication(view);
    const slot = view.hasRun ? ` ${slotNote(this.direction)}` : '';
    if (stopped) return { action: 'stopped', message: `${what} is stopping (it was ${view.status}).${slot}` };
    const now = view.phase === 'stopping' ? 'is stopping already' : `is ${view.status}; there is nothing to stop`;
    return { action: 'already-stopped', message: `${what} ${now}.${slot}` };
  }

  /**
   * Starts the reverse replication at the target's current WAL position, then pauses this one.
   * Idempotent: a reverse replication that already runs is kept (a re-run after a crash), and the
   * forward one is paused again if needed. A failed reverse replication is not restarted silently:
   * starting it at a newer position would skip the changes in between.
   */
  async prepareReverse(): Promise<ReverseReplication> {
    if (this.direction === 'reverse') {
      throw new ReplicationStartRefusedError('prepareReverse() belongs to the forward DMS engine; this one is the reverse replication.');
    }
    const reverse = this.sibling('reverse');
    const view = await reverse.describe();
    const what = describeReplication(view);
    switch (view.phase) {
      case 'starting':
      case 'running': {
        const forward = await this.halt();
        const position = view.cdcStartPosition && LSN.test(view.cdcStartPosition) ? view.cdcStartPosition : undefined;
        return {
          action: 'already-prepared',
          startPosition: position ?? 'unknown',
          message: `${what} was already ${view.status} (from ${position ?? 'a position DMS does not report'}); ${pausedNote(forward)}.`,
        };
      }
      case 'failed':
        throw new ReplicationFailedError(failureCause(view));
      case 'stopping':
      case 'busy':
      case 'unknown':
        throw new ReplicationBusyError(`${what} is ${view.status}; it cannot be started now. The workflow tries again once DMS has finished.`);
      case 'never-started':
      case 'stopped': {
        const position = await this.targetPosition(view);
        await reverse.flavour.start(view, 'start-replication', position);
        const forward = await this.halt();
        return {
          action: 'prepared',
          startPosition: position,
          message: `${what} started at the target's WAL position ${position} (start-replication); ${pausedNote(forward)}.`,
        };
      }
    }
  }

  async reverse(): Promise<ReplicationEngine | undefined> {
    if (this.direction === 'reverse') return undefined;
    const reverse = this.sibling('reverse');
    let view: DmsReplicationView;
    try {
      view = await reverse.describe();
    } catch (error) {
      if (error instanceof ReplicationNotFoundError) return undefined;
      throw error;
    }
    const started = view.hasRun || ['starting', 'running', 'stopping', 'stopped', 'failed'].includes(view.phase);
    return started ? reverse : undefined;
  }

  private describe(): Promise<DmsReplicationView> {
    return this.flavour.describe(this.arn);
  }

  private async tables(view: DmsReplicationView): Promise<TableProgress[]> {
    return tablesProgress(await this.flavour.tableStatistics(view));
  }

  /** Stops the replication if it runs or is starting; reports whether a stop was requested. */
  private async halt(): Promise<{ view: DmsReplicationView; stopped: boolean }> {
    const view = await this.describe();
    if (view.phase !== 'running' && view.phase !== 'starting') return { view, stopped: false };
    await this.flavour.stop(view);
    return { view, stopped: true };
  }

  private async targetPosition(view: DmsReplicationView): Promise<string> {
    const what = describeReplication(view);
    if (!this.options.currentTargetPosition) {
      throw new ReplicationStartRefusedError(
        `${what} starts at the target database's current WAL position, but this engine was built without ` +
          `currentTargetPosition. Nothing was started. Start it through prepareReverse() of the forward engine.`,
      );
    }
    const position = (await this.options.currentTargetPosition()).trim();
    if (!LSN.test(position)) {
      throw new ReplicationStartRefusedError(
        `${what} needs a PostgreSQL LSN such as 0/16B3748 as its start position; currentTargetPosition returned ` +
          `"${position}". Nothing was started.`,
      );
    }
    return position;
  }

  private sibling(direction: 'forward' | 'reverse'): DmsEngine {
    return new DmsEngine({ ...this.options, direction });
  }
}

/** The copy is complete by the replication's own fields, without reading table statistics. */
function copyKnownComplete(view: DmsReplicationView): boolean {
  return view.migrationType === 'cdc' || view.fullLoadFinished;
}

function slotNote(direction: 'forward' | 'reverse'): string {
  const database = direction === 'forward' ? 'source' : 'target';
  return (
    `DMS keeps its logical replication slot on the ${database} database, which retains WAL until the slot is ` +
    `dropped: drop it once this replication is finished for good (a resume needs it).`
  );
}

function pausedNote(forward: { view: DmsReplicationView; stopped: boolean }): string {
  const what = describeReplication(forward.view);
  return forward.stopped ? `${what} is pausing (it was ${forward.view.status})` : `${what} was already ${forward.view.status}`;
}
