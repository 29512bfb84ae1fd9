/**
 * The copy part of a full load in bench:full-load: what puts every source row into the target and
 * leaves changes streaming. Today Ferry's native engine does it (publication on the source,
 * subscription with copy_data = true on the target), `subscriptionCopy`; or Ferry's parallel copy
 * (lambdas/shared/replication/native/copy/: one exported snapshot, large tables in page ranges,
 * then the subscription at the slot), `parallelCopy`, run in-process as the local runner does.
 */
import { InProcessCopyRunner } from '../local/copy-runner';
import type { ConnectionInfo } from '../lambdas/shared/replication/native/conninfo';
import { NativeEngine } from '../lambdas/shared/replication/native/engine';
import type { Database } from '../lambdas/shared/pg/connection';
import type { TableName } from '../lambdas/shared/pg/identifiers';

export interface CopyJob {
  /** Publication, subscription and slot name: slot-safe, one per target database. */
  readonly name: string;
  readonly source: Database;
  readonly target: Database;
  /** How the target's server reaches the source (the subscription's connection). */
  readonly sourceConnection: ConnectionInfo;
  /** How the source's server reaches the target. */
  readonly targetConnection: ConnectionInfo;
  /** The tables copied; they exist on the target, empty. */
  readonly tables: readonly TableName[];
  /** How often progress is looked at. */
  readonly pollMs: number;
}

/** What a copy may tell about itself. */
export interface CopyOutcome {
  /** `schema.table`: ms from the copy's start until the table was copied. */
  readonly tableCopiedMs?: Readonly<Record<string, number>>;
}

/**
 * Resolves once every row of `job.tables` is in the target and changes stream from the source to
 * the target under the replication `job.name` (so `replicationOf(job).stop()` removes it).
 */
export type FullLoadCopy = (job: CopyJob) => Promise<CopyOutcome>;

/** How the parallel copy splits the work (fullLoad.*): 2 workers for 2 cores, tables above 64 MB in 4 ranges. */
export const PARALLEL_COPY = { workers: 2, parallelTableBytes: 64 * 1024 * 1024, rangesPerTable: 4 } as const;

/** The replication a copy leaves running, as Ferry's native engine sees it; with `runner`, one that copies in parallel. */
export function replicationOf(job: CopyJob, runner?: InProcessCopyRunner): NativeEngine {
  return new NativeEngine({
    ...(runner ? { parallelCopy: { migrationId: job.name, runner, ...PARALLEL_COPY } } : {}),
    source: job.source,
    target: job.target,
    sourceConnection: job.sourceConnection,
    targetConnection: job.targetConnection,
    name: job.name,
    selection: { include: job.tables.map((t) => `${t.schema}.${t.name}`), only: job.tables },
  });
}

/**
 * Ferry's native engine until now: start() (publication, subscription with copy_data = true, up to
 * max_sync_workers_per_subscription tables copied at a time), then wait until status() is `cdc`,
 * i.e. every pg_subscription_rel row is 'r' (ready) and changes stream.
 */
export const subscriptionCopy: FullLoadCopy = (job) => copyUntilStreaming(job, replicationOf(job));

/**
 * Ferry's parallel copy: start() records the copy job and the runner runs it (the copy under one
 * snapshot, then the subscription at its slot); done once status() is `cdc`.
 */
export const parallelCopy: FullLoadCopy = async (job) => {
  const runner: InProcessCopyRunner = new InProcessCopyRunner((_id, signal) => replicationOf(job, runner).runCopyJob(signal));
  try {
    return await copyUntilStreaming(job, replicationOf(job, runner));
  } finally {
    await runner.idle();
  }
};

async function copyUntilStreaming(job: CopyJob, engine: NativeEngine): Promise<CopyOutcome> {
  const started = Date.now();
  await engine.start();
  const tableCopiedMs: Record<string, number> = {};
  for (;;) {
    const status = await engine.status();
    for (const t of 'tables' in status ? (status.tables ?? []) : []) if (t.state === 'loaded') tableCopiedMs[t.table] ??= Date.now() - started;
    if (status.state === 'cdc') return { tableCopiedMs };
    if (status.state === 'failed' || status.state === 'stopped' || status.state === 'not-started') {
      throw new Error(`the subscription ${job.name} stopped copying: ${JSON.stringify(status)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, job.pollMs));
  }
}
