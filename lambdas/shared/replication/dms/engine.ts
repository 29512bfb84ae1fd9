import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { DatabaseMigrationServiceClient } from '@aws-sdk/client-database-migration-service';
import { logger } from '../../observability';
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
import {
  describeSplit,
  parallelLoadIn,
  parseTableMappings,
  planParallelLoad,
  withParallelLoad,
  type ParallelLoadOptions,
  type ParallelLoadPlan,
} from './parallel-load';
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
  /**
   * Forward direction, first start only: the source and the `fullLoad` settings from which large
   * tables get DMS parallel-load ranges (parallel-load.ts) before the replication starts.
   * @default - no parallel-load rules are added
   */
  readonly parallelLoad?: ParallelLoadOptions;
  /**
   * How long a first start waits for DMS to finish applying new table mappings (an instance task
   * is `modifying` meanwhile) before it gives up with ReplicationBusyError, which the workflow
   * retries; the retry finds the mappings in place and starts. The pause between looks uses
   * `retry.sleep` when given.
   * @default { polls: 12, intervalMs: 5000 }
   */
  readonly modifyWait?: { readonly polls: number; readonly intervalMs: number };
  /** Where a table left whole is reported, with its reason. @default the Powertools logger, as a warning */
  readonly log?: (message: string, details: Readonly<Record<string, unknown>>) => void;
}

const DEFAULT_MODIFY_WAIT = { polls: 12, intervalMs: 5000 } as const;

/** A PostgreSQL LSN as `pg_lsn` prints it: two hex halves. */
const LSN = /^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/i;

/**
 * The ReplicationEngine port over AWS DMS: an instance-based replication task or a DMS Serverless
 * replication config per direction (resources.ts). The forward one runs full load + CDC; the
 * reverse one is CDC only, from target back to source, for rollback after cutover.
 *
 * The forward replication's first start first adds DMS parallel-load ranges for the source's
 * large tables to its table mappings (`parallelLoad`, parallel-load.ts): modify, wait until DMS
 * has applied them, then start. A resume or reload never changes the mappings.
 *
 * What `stop()` cannot do: DMS creates a logical replication slot on the database it reads from
 * (or uses the one named in the endpoint's SlotName) and leaves it there when the replication
 * stops; the slot keeps WAL until it is dropped. This engine only reads the source's catalog and
 * samples for parallel load, so the caller drops the slot with SQL once the replication is
 * finished for good (never on a pause: a resume needs it).
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

    // Only a replication that never ran is changed: DMS Serverless refuses it after the first
    // start, and a resumed task must keep the segments its full load was counted in.
    const parallel = this.direction === 'forward' && decision.call === 'start-replication' ? await this.prepareParallelLoad(view) : undefined;
    const position = this.direction === 'reverse' && decision.call === 'start-replication' ? await this.targetPosition(view) : undefined;
    await this.flavour.start(view, decision.call, position);
    return {
      action: decision.action,
      message: `${decision.why} (${decision.call}${position ? `, CdcStartPosition ${position}` : ''}).${parallel ? ` ${parallel}` : ''}`,
    };
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

  /**
   * Adds the parallel-load rules of the large tables to the replication's table mappings, and
   * waits until DMS has them; returns what was done, for the start message. A replication whose
   * mappings hold Ferry's rules already (an earlier attempt that modified it, then failed or
   * timed out before the start) keeps them: a new sample would give other boundaries and another
   * modification.
   */
  private async prepareParallelLoad(view: DmsReplicationView): Promise<string | undefined> {
    const options = this.options.parallelLoad;
    if (!options) return undefined;
    const what = describeReplication(view);
    const mappings = parseTableMappings(await this.flavour.tableMappings(view));
    if (!mappings) {
      const reason = `DMS returned no readable table mappings for ${what}, so no parallel-load rule was added`;
      this.log('DMS parallel load: no table mappings to add to', { replication: view.name, reason });
      return `Parallel load: none (${reason}).`;
    }
    if (!mappings.rules.some((r) => r['rule-type'] === 'selection')) {
      const reason = `the table mappings of ${what} hold no selection rule, and Ferry adds ranges only next to the deployed ones`;
      this.log('DMS parallel load: no selection rules to add to', { replication: view.name, reason });
      return `Parallel load: none (${reason}).`;
    }
    const existing = parallelLoadIn(mappings);
    if (existing.ferry) return 'Parallel load: the ranges added before an earlier start attempt are kept.';
    const plan = await planParallelLoad(options, existing.tables);
    for (const table of plan.whole) {
      this.log('DMS parallel load: table loaded whole', { replication: view.name, table: `${table.schema}.${table.name}`, reason: table.reason });
    }
    if (plan.split.length > 0) {
      await this.flavour.modifyTableMappings(view, JSON.stringify(withParallelLoad(mappings, plan.split)));
      await this.waitForParallelLoadMappings(what);
    }
    return parallelSummary(plan, options.parallelTableMb);
  }

  /** Polls until the replication is startable again with Ferry's rules in its mappings. */
  private async waitForParallelLoadMappings(what: string): Promise<void> {
    const { polls, intervalMs } = this.options.modifyWait ?? DEFAULT_MODIFY_WAIT;
    const sleep = this.options.retry?.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    for (let poll = 1; ; poll++) {
      const view = await this.describe();
      if (view.phase === 'never-started') {
        const mappings = parseTableMappings(await this.flavour.tableMappings(view));
        if (mappings && parallelLoadIn(mappings).ferry) return;
      } else if (view.phase !== 'busy' && view.phase !== 'unknown') {
        throw new ReplicationBusyError(
          `${what} became ${view.status} while Ferry was adding parallel-load ranges to its table mappings; Ferry did not start it. ` +
            `The workflow tries again.`,
        );
      }
      if (poll >= polls) {
        throw new ReplicationBusyError(
          `${what} is still applying the parallel-load ranges Ferry added to its table mappings (${view.status}); it was not started yet. ` +
            `The workflow tries again and then starts it with those ranges.`,
        );
      }
      await sleep(intervalMs);
    }
  }

  private log(message: string, details: Readonly<Record<string, unknown>>): void {
    (this.options.log ?? ((m, d) => logger.warn(m, { ...d })))(message, details);
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

/** `Parallel load: public.orders in 4 ranges on (id); loaded whole: public.events (...)`. */
function parallelSummary(plan: ParallelLoadPlan, parallelTableMb: number): string {
  if (plan.split.length === 0 && plan.whole.length === 0) return `Parallel load: no selected table is larger than ${parallelTableMb} MB.`;
  // The message is part of the step's output (the execution history): long lists are cut, the log has every table.
  const listed = <T>(items: readonly T[], show: (item: T) => string, separator: string) =>
    items.slice(0, SUMMARY_TABLES).map(show).join(separator) + (items.length > SUMMARY_TABLES ? `${separator}and ${items.length - SUMMARY_TABLES} more` : '');
  const split = plan.split.length > 0 ? listed(plan.split, describeSplit, ', ') : 'none';
  const whole = listed(plan.whole, (t) => `${t.schema}.${t.name} (${t.reason})`, '; ');
  return `Parallel load: ${split}${whole ? `; loaded whole: ${whole}` : ''}.`;
}

/** Tables named in a start message per list. */
const SUMMARY_TABLES = 10;

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
