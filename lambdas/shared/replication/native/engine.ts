import type { Database } from '../../pg/connection';
import { displayName } from '../../pg/identifiers';
import type { TableSelection } from '../../compare/table-patterns';
import {
  ReplicationNotFoundError,
  ReplicationStartRefusedError,
  type ReplicationEngine,
  type ReplicationLag,
  type ReplicationStatus,
  type ReverseReplication,
  type StartOptions,
  type StartOutcome,
  type StopOutcome,
} from '../engine';
import { readPublishableTables, readSubscriberTables, type PublishedTable } from './catalog';
import { assertPublishable, assertSubscriberReady } from './preconditions';
import type { ConnectionInfo } from './conninfo';
import { measureLag } from './lag';
import { carryMarker, ensureMarkerTables, MARKER_PUBLISHED } from './marker-table';
import { assertReplicationName, reverseName } from './names';
import { originNoneAllowed } from './origin';
import { dropPublication, ensurePublication, findPublication } from './publication';
import { majorOf, MIN_SERVER_VERSION, serverVersion, setting, supports } from './server';
import { clearOrphanSlot, dropSlots, findSlot, slotPosition } from './slots';
import { readStatus, tableProgress } from './status';
import { pollFor } from './wait';
import { discardPartialCopy, parallelCopy, readTableSizes, type CopyProgress } from './copy';
import { failCopyJob, readCopyJob, recordCopyJob, removeCopyJob, saveCopyProgress } from './copy-job';
import type { CopyRunner } from './copy-runner';
import {
  createSubscription,
  dropSubscription,
  findSubscription,
  PAUSED_FOR_REVERSE,
  setEnabled,
  waitForWorkersToExit,
  type Subscription,
} from './subscription';

export type { ConnectionInfo } from './conninfo';

/** How long a recorded copy job counts as starting before a runner that does not list it means it is gone. */
const COPY_TASK_START_MS = 5 * 60_000;

/** How often a copy job writes its progress to the target for status() (one UPDATE of one row). */
const PROGRESS_SAVE_MS = 1_000;

export interface NativeEngineOptions {
  /** The database changes come from (the publisher). For the reverse direction: the migration's target. */
  readonly source: Database;
  /** The database changes go to (the subscriber). For the reverse direction: the migration's source. */
  readonly target: Database;
  /** How the target's server reaches the source (the subscription's connection). Holds a password. */
  readonly sourceConnection: ConnectionInfo;
  /** How the source's server reaches the target (used by the reverse direction). Holds a password. */
  readonly targetConnection: ConnectionInfo;
  /**
   * The migration's base name, slot-safe (`ferry_orders`). The forward publication, subscription
   * and slot are all named so; the reverse ones `<name>_reverse`, whichever direction this engine is.
   */
  readonly name: string;
  readonly selection: TableSelection;
  /** @default 'forward' */
  readonly direction?: 'forward' | 'reverse';
  /** The longest lag() waits for the target to catch up before calling the lag unknown. @default 10000 */
  readonly lagProbeMs?: number;
  /** The longest stop() and prepareReverse() wait for workers and slots to be released. @default 30000 */
  readonly releaseWaitMs?: number;
  /**
   * The parallel copy (`fullLoad.*`): when a selected table is larger than `parallelTableBytes`
   * on the source, the first start copies every table in a copy job (copy/, run by `runner`)
   * under one exported snapshot, and the job attaches the subscription at its slot.
   * @default - PostgreSQL's own table sync copies every table, one COPY each
   */
  readonly parallelCopy?: ParallelCopySettings;
}

export interface ParallelCopySettings {
  /** The migration the runner starts a job for. */
  readonly migrationId: string;
  readonly runner: CopyRunner;
  readonly parallelTableBytes: number;
  readonly rangesPerTable: number;
  readonly workers: number;
}

/**
 * The ReplicationEngine port over PostgreSQL's own logical replication (14+ on both sides): a
 * publication of the selected tables on the source, and a subscription on the target that copies
 * them first and then streams their changes; publication, subscription and slot share one name.
 *
 * - start(): a missing subscription is created (after refusing tables that cannot be published,
 *   are missing on the target, or already hold rows there); a disabled one is enabled (`resumed`);
 *   an enabled one is left alone. `reload` drops the subscription and its slot and copies again,
 *   and is refused unless every target table is empty (Ferry never empties them itself).
 * - status(): from pg_subscription / pg_subscription_rel on the target; `failed` when PostgreSQL
 *   disabled the subscription after an error (15+), whose text is only in the server log.
 * - lag(): bytes from the slot on the source; seconds measured by waiting for the target to
 *   confirm the source's current WAL position (see lag.ts); unknown is an error, never zero.
 * - stop(): subscription, slots (the table-sync ones too) and publication are dropped; works when
 *   the target's server cannot reach the source any more.
 * - prepareReverse(): forward paused first, then `<name>_reverse` from the target to the source,
 *   created at the target's current position without copying. Forward and reverse never run at
 *   the same time, which is what prevents loops on every version; `origin = none` where possible.
 * - Both directions also carry Ferry's cutover marker table, outside the selection and its checks
 *   (marker-table.ts).
 */
export class NativeEngine implements ReplicationEngine {
  readonly kind = 'native' as const;
  readonly direction: 'forward' | 'reverse';
  /** Publication, subscription and slot name of this direction. */
  readonly replicationName: string;
  /** The other direction's name; its subscription lives on this engine's publisher. */
  private readonly counterpartName: string;
  private readonly publisher: Database;
  private readonly subscriber: Database;
  private readonly lagProbeMs: number;
  private readonly releaseWaitMs: number;
  private versions?: Promise<{ publisher: number; subscriber: number }>;

  constructor(private readonly options: NativeEngineOptions) {
    assertReplicationName(options.name);
    this.direction = options.direction ?? 'forward';
    this.replicationName = this.direction === 'forward' ? options.name : reverseName(options.name);
    this.counterpartName = this.direction === 'forward' ? reverseName(options.name) : options.name;
    this.publisher = options.source;
    this.subscriber = options.target;
    this.lagProbeMs = options.lagProbeMs ?? 10_000;
    this.releaseWaitMs = options.releaseWaitMs ?? 30_000;
  }

  async start(options: StartOptions = {}): Promise<StartOutcome> {
    const versions = await this.serverVersions();
    const existing = await findSubscription(this.subscriber, this.replicationName);
    await this.refuseWhileCounterpartRuns();

    const copy = this.direction === 'forward' ? this.options.parallelCopy : undefined;
    if (!existing && copy && (await copy.runner.running(copy.migrationId))) {
      return { action: 'already-running', message: `The parallel copy of "${this.replicationName}" into the ${this.subscriber.label} is running; nothing to do.` };
    }
    if (existing && !options.reload) {
      const outcome = await this.resume(existing);
      // Also brings a replication set up by an older Ferry, without the marker table, up to date.
      await carryMarker(this.publisher, this.subscriber, this.replicationName);
      return outcome;
    }
    if (this.direction === 'reverse') {
      if (options.reload) throw new ReplicationStartRefusedError('The reverse replication never copies data, so it cannot be reloaded.');
      throw new ReplicationNotFoundError(
        `The reverse replication "${this.replicationName}" does not exist on the ${this.subscriber.label}; it is set up by prepareReverse() of the forward replication.`,
      );
    }

    const tables = await this.publishableTables();
    // A copy job that died left its tables partly filled (and said so on the target): they held
    // nothing before it, so emptying them is what lets the copy start over.
    const abandoned = await readCopyJob(this.subscriber, this.replicationName);
    if (abandoned && !existing) await discardPartialCopy(this.subscriber, abandoned.tables);
    assertSubscriberReady(await readSubscriberTables(this.subscriber, tables), this.subscriber.label, options.reload ?? false);
    if (existing) await this.dropSubscriptionAndSlots(existing);

    await ensurePublication(this.publisher, this.replicationName, tables);
    await clearOrphanSlot(this.publisher, this.replicationName, await this.currentDatabase(this.publisher));
    const large = copy ? await this.tablesAbove(tables, copy.parallelTableBytes) : [];
    if (copy && large.length > 0) {
      await recordCopyJob(this.subscriber, this.replicationName, tables);
      await copy.runner.start(copy.migrationId);
      return {
        action: options.reload ? 'reloaded' : 'started',
        message:
          `${abandoned ? 'The parallel copy that stopped before it finished was emptied; copying' : 'Copying'} ${tables.length} table(s) into the ${this.subscriber.label} ` +
          `with ${copy.workers} copy worker(s) under one snapshot, ${large.length} of them in ${copy.rangesPerTable} page ranges each (${large.slice(0, 5).join(', ')}` +
          `${large.length > 5 ? ', ...' : ''}); then subscription "${this.replicationName}" streams the changes from that snapshot on.`,
      };
    }
    const originNone = await originNoneAllowed(this.publisher, versions);
    await createSubscription(this.subscriber, {
      name: this.replicationName,
      publisher: this.options.sourceConnection,
      copyData: true,
      originNone,
      subscriberVersion: versions.subscriber,
    });
    // The cutover marker table travels with the selected tables, added once the subscription
    // exists (see carryMarker); none of the checks above apply to it.
    await carryMarker(this.publisher, this.subscriber, this.replicationName);
    const workers = await this.parallelCopiesNote();
    return {
      action: options.reload ? 'reloaded' : 'started',
      message:
        `${options.reload ? 'Reloading' : 'Copying'} ${tables.length} table(s) into the ${this.subscriber.label} through publication and ` +
        `subscription "${this.replicationName}"${originNone ? '' : ' (origin = any: the source itself receives replicated changes, or a server is older than 16)'}. ${workers}`,
    };
  }

  async status(): Promise<ReplicationStatus> {
    const versions = await this.serverVersions();
    const subscription = await findSubscription(this.subscriber, this.replicationName);
    const copy = this.direction === 'forward' ? this.options.parallelCopy : undefined;
    if (!subscription && copy) {
      const job = await readCopyJob(this.subscriber, this.replicationName);
      if (job && (await copy.runner.running(copy.migrationId))) {
        return { state: 'full-load', tables: job.progress ?? job.tables.map((t) => ({ table: displayName(t), state: 'pending' as const })) };
      }
      if (job && !job.failure && Date.now() - Date.parse(job.startedAt) < COPY_TASK_START_MS) {
        // Just recorded: its runner may not list the job yet (an ECS task being placed).
        return { state: 'starting', detail: `The parallel copy of "${this.replicationName}" was started at ${job.startedAt} and is being set up.` };
      }
      if (job) {
        // Nothing runs the job any more (it failed, or its task was stopped or lost): its slot, if
        // it had made one, can serve nothing and would hold the source's WAL until the next start.
        await dropSlots(this.publisher, this.replicationName, undefined, this.releaseWaitMs).catch(() => undefined);
        return {
          state: 'failed',
          cause:
            job.failure ??
            'The parallel copy stopped before it finished, without an error of its own (its task was stopped or lost). Start the replication again: the partly copied tables are emptied and the copy starts over.',
          ...(job.progress ? { tables: job.progress } : {}),
        };
      }
    }
    return readStatus(this.subscriber, subscription, versions.subscriber);
  }

  /**
   * The copy job that `start()` recorded, run to its end where the runner runs it (an ECS task,
   * or the local process): the slot with its snapshot, the copy, then the subscription at the
   * slot, which streams every change committed after the snapshot. A failure drops the slot (it
   * would hold the source's WAL for a copy that cannot resume), empties the tables, and is kept
   * on the target for status(); the next start() copies again.
   */
  async runCopyJob(signal?: AbortSignal): Promise<CopyProgress> {
    const copy = this.options.parallelCopy;
    const job = await readCopyJob(this.subscriber, this.replicationName);
    if (!copy || this.direction !== 'forward' || !job) {
      throw new ReplicationNotFoundError(`No parallel copy of "${this.replicationName}" is recorded on the ${this.subscriber.label}: start() records one.`);
    }
    let saved = 0;
    try {
      const result = await parallelCopy({
        source: this.publisher.ref,
        target: this.subscriber.ref,
        tables: job.tables,
        slotName: this.replicationName,
        workers: copy.workers,
        parallelTableBytes: copy.parallelTableBytes,
        rangesPerTable: copy.rangesPerTable,
        ...(signal ? { signal } : {}),
        onProgress: (progress) => {
          // At most every few seconds: status() reads it, nobody needs it finer.
          if (Date.now() - saved < PROGRESS_SAVE_MS) return;
          saved = Date.now();
          void saveCopyProgress(this.subscriber, this.replicationName, progress).catch(() => undefined);
        },
      });
      const versions = await this.serverVersions();
      await createSubscription(this.subscriber, {
        name: this.replicationName,
        publisher: this.options.sourceConnection,
        copyData: false,
        existingSlot: true,
        originNone: await originNoneAllowed(this.publisher, versions),
        subscriberVersion: versions.subscriber,
      });
      await carryMarker(this.publisher, this.subscriber, this.replicationName);
      await removeCopyJob(this.subscriber, this.replicationName);
      return result.progress;
    } catch (error) {
      await failCopyJob(this.subscriber, this.replicationName, (error as Error).message).catch(() => undefined);
      await dropSlots(this.publisher, this.replicationName, undefined, this.releaseWaitMs).catch(() => undefined);
      await discardPartialCopy(this.subscriber, job.tables).catch(() => undefined);
      throw error;
    }
  }

  async lag(): Promise<ReplicationLag> {
    return measureLag(this.publisher, this.replicationName, { probeMs: this.lagProbeMs });
  }

  /**
   * Drops the subscription (which drops its slot on the publisher when it can reach it), then any
   * slot left on the publisher, then the publication. Each part is skipped when already gone.
   */
  async stop(): Promise<StopOutcome> {
    const removed: string[] = [];
    const copy = this.direction === 'forward' ? this.options.parallelCopy : undefined;
    if (copy && (await copy.runner.running(copy.migrationId))) {
      await copy.runner.stop(copy.migrationId);
      await pollFor(async () => ((await copy.runner.running(copy.migrationId)) ? undefined : true), this.releaseWaitMs);
      removed.push('the parallel copy (the tables it had filled are emptied again)');
    }
    if (copy) await removeCopyJob(this.subscriber, this.replicationName);
    const subscription = await findSubscription(this.subscriber, this.replicationName);
    if (subscription) {
      await dropSubscription(this.subscriber, this.replicationName);
      removed.push(`subscription on the ${this.subscriber.label}`);
    }
    const slots = await dropSlots(this.publisher, this.replicationName, subscription?.oid, this.releaseWaitMs);
    if (slots.length > 0) removed.push(`slot(s) ${slots.join(', ')} on the ${this.publisher.label}`);
    if (await dropPublication(this.publisher, this.replicationName)) removed.push(`publication on the ${this.publisher.label}`);
    if (removed.length === 0) {
      return { action: 'already-stopped', message: `Nothing named "${this.replicationName}" exists; the replication is stopped.` };
    }
    return { action: 'stopped', message: `Replication "${this.replicationName}" stopped; removed: ${removed.join('; ')}.` };
  }

  /**
   * Order matters, and is what keeps changes from going round in a loop on every PostgreSQL
   * version: first the forward subscription is disabled and its workers have exited (nothing
   * forward-applied reaches the target after this point), then the reverse slot is created at the
   * target's current position, so the reverse replication only ever carries changes the target's
   * own clients make. `origin = none` (16+ on both) is a second guard.
   */
  async prepareReverse(): Promise<ReverseReplication> {
    if (this.direction === 'reverse') throw new ReplicationStartRefusedError('prepareReverse() belongs to the forward replication.');
    const versions = await this.serverVersions();
    const forward = await findSubscription(this.subscriber, this.replicationName);
    if (!forward) {
      throw new ReplicationNotFoundError(`The forward replication "${this.replicationName}" does not exist on the ${this.subscriber.label}; there is nothing to reverse.`);
    }
    const reverse = this.reverseEngine();
    const prepared = await findSubscription(this.publisher, reverse.replicationName);
    const { tables: forwardTables, allReady } = await tableProgress(this.subscriber, forward.oid);
    if (!prepared && !allReady) {
      const loaded = forwardTables.filter((t) => t.state === 'loaded').length;
      throw new ReplicationStartRefusedError(
        `The forward replication has not copied every table yet (${loaded} of ${forwardTables.length} loaded); reverse replication ` +
          `is only prepared during cutover, after the forward replication has drained.`,
      );
    }
    if (prepared) {
      await this.pauseForward(forward);
      // Prepared by an older Ferry: the reverse replication learns of the marker table too.
      await carryMarker(this.subscriber, this.publisher, reverse.replicationName);
      return {
        action: 'already-prepared',
        startPosition: await reverse.confirmedPosition(),
        message: `Reverse replication "${reverse.replicationName}" already exists; forward replication is paused.`,
      };
    }
    // Exactly the tables replicated forward, whatever else the target holds. Checked and
    // published before forward is paused, so a refusal leaves forward running.
    const tables = await reverse.publishableTables(new Set(forwardTables.map((t) => t.table)));
    // Plus the cutover marker table, so a marker written on the target reaches the source. Both
    // sides have it already (start() made it), unless the forward replication predates it.
    await ensureMarkerTables(this.subscriber, this.publisher);
    await ensurePublication(this.subscriber, reverse.replicationName, [...tables, MARKER_PUBLISHED]);
    await this.pauseForward(forward);
    await clearOrphanSlot(this.subscriber, reverse.replicationName, await this.currentDatabase(this.subscriber));
    await createSubscription(this.publisher, {
      name: reverse.replicationName,
      publisher: this.options.targetConnection,
      copyData: false,
      originNone: supports.originFilter(versions.publisher) && supports.originFilter(versions.subscriber),
      subscriberVersion: versions.publisher,
    });
    const startPosition = await reverse.confirmedPosition();
    return {
      action: 'prepared',
      startPosition,
      message:
        `Reverse replication "${reverse.replicationName}" carries changes made on the ${this.subscriber.label} from ${startPosition} ` +
        `to the ${this.publisher.label}; forward replication is paused (its slot keeps the source's WAL until it is stopped or resumed).`,
    };
  }

  /** The reverse engine when any of its parts exists (so that stopping it also cleans up a half-done prepareReverse). */
  async reverse(): Promise<ReplicationEngine | undefined> {
    if (this.direction === 'reverse') return undefined;
    const reverse = this.reverseEngine();
    const name = reverse.replicationName;
    const exists =
      (await findSubscription(this.publisher, name)) !== undefined ||
      (await findPublication(this.subscriber, name)) !== undefined ||
      (await findSlot(this.subscriber, name)) !== undefined;
    return exists ? reverse : undefined;
  }

  /** Disables forward with the pause mark, and waits until none of its workers runs. */
  private async pauseForward(forward: Subscription): Promise<void> {
    if (forward.enabled || forward.comment !== PAUSED_FOR_REVERSE) {
      await setEnabled(this.subscriber, this.replicationName, false, PAUSED_FOR_REVERSE);
    }
    await waitForWorkersToExit(this.subscriber, forward.oid, this.releaseWaitMs);
  }

  private reverseEngine(): NativeEngine {
    const o = this.options;
    return new NativeEngine({
      ...o,
      source: o.target,
      target: o.source,
      sourceConnection: o.targetConnection,
      targetConnection: o.sourceConnection,
      direction: 'reverse',
    });
  }

  private async resume(existing: Subscription): Promise<StartOutcome> {
    if (existing.enabled) {
      return { action: 'already-running', message: `Subscription "${this.replicationName}" on the ${this.subscriber.label} is running; nothing to do.` };
    }
    if (existing.slotName === null) {
      throw new ReplicationStartRefusedError(
        `Subscription "${this.replicationName}" on the ${this.subscriber.label} has no slot any more (a stop was interrupted). ` +
          `Run stop() to finish it, then start() copies the tables again.`,
      );
    }
    await setEnabled(this.subscriber, this.replicationName, true, null);
    return { action: 'resumed', message: `Subscription "${this.replicationName}" on the ${this.subscriber.label} resumed from where it stopped.` };
  }

  /**
   * Forward and reverse never run at once: forward may not start while the reverse replication
   * exists (undo is reverse.stop(), then start()), and reverse may not run while forward does.
   */
  private async refuseWhileCounterpartRuns(): Promise<void> {
    const counterpart = await findSubscription(this.publisher, this.counterpartName);
    if (!counterpart) return;
    if (this.direction === 'forward') {
      throw new ReplicationStartRefusedError(
        `Reverse replication "${this.counterpartName}" exists on the ${this.publisher.label}; forward replication may not run at the ` +
          `same time. Stop the reverse replication first, then start() resumes forward.`,
      );
    }
    if (counterpart.enabled) {
      throw new ReplicationStartRefusedError(`Forward replication "${this.counterpartName}" is running; reverse replication may not run at the same time.`);
    }
  }

  /** The selected tables (of those in `only`, when given), refusing any that cannot be published. */
  private async publishableTables(only?: ReadonlySet<string>): Promise<PublishedTable[]> {
    return assertPublishable(await readPublishableTables(this.publisher, this.options.selection, only), this.publisher.label);
  }

  private async dropSubscriptionAndSlots(subscription: Subscription): Promise<void> {
    await dropSubscription(this.subscriber, this.replicationName);
    await dropSlots(this.publisher, this.replicationName, subscription.oid, this.releaseWaitMs);
  }

  private async confirmedPosition(): Promise<string> {
    const position = await slotPosition(this.publisher, this.replicationName);
    if (!position) throw new ReplicationNotFoundError(`The replication slot "${this.replicationName}" does not exist on the ${this.publisher.label}.`);
    return position.confirmedLsn;
  }

  private serverVersions(): Promise<{ publisher: number; subscriber: number }> {
    this.versions ??= this.readServerVersions().catch((error: unknown) => {
      this.versions = undefined;
      throw error;
    });
    return this.versions;
  }

  private async readServerVersions(): Promise<{ publisher: number; subscriber: number }> {
    const [publisher, subscriber] = await Promise.all([serverVersion(this.publisher), serverVersion(this.subscriber)]);
    for (const [db, v] of [[this.publisher, publisher], [this.subscriber, subscriber]] as const) {
      if (v < MIN_SERVER_VERSION) {
        throw new ReplicationStartRefusedError(`The ${db.label} runs PostgreSQL ${majorOf(v)}; native replication needs 14 or newer on both sides.`);
      }
    }
    return { publisher, subscriber };
  }

  /** The tables larger than `bytes` on the publisher (main fork), as displayed. */
  private async tablesAbove(tables: readonly PublishedTable[], bytes: number): Promise<string[]> {
    const sizes = await this.publisher.withClient((client) => readTableSizes(client, this.publisher.label, tables));
    return sizes.filter((t) => t.bytes > bytes).map((t) => displayName(t));
  }

  private async currentDatabase(db: Database): Promise<string> {
    const [row] = await db.query<{ name: string }>('select current_database() as name');
    return row!.name;
  }

  /**
   * How many tables are copied at a time is the subscriber server's setting: a subscription has
   * no option for it, and changing the server's takes a superuser (ALTER SYSTEM) or, on RDS, its
   * parameter group, so Ferry reports it rather than sets it.
   */
  private async parallelCopiesNote(): Promise<string> {
    const allowed = Number(await setting(this.subscriber, 'max_sync_workers_per_subscription'));
    return (
      `Up to ${allowed} table(s) are copied at a time (max_sync_workers_per_subscription on the ${this.subscriber.label} server, ` +
      'within its max_logical_replication_workers; change it in the server parameters, RDS: parameter group).'
    );
  }
}
