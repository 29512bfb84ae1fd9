/**
 * Ferry's full load, as bench:full-load times it: the target's secondary indexes recorded and
 * dropped, the copy, then the indexes built again in parallel (CREATE INDEX CONCURRENTLY, so
 * replication keeps streaming meanwhile) until every one is valid.
 *
 * The copy is a seam (`copy`): the subscription's own copy today, the parallel copier of
 * lambdas/shared/replication/native/copy/ once it lands; the timings say how much of the whole
 * each part takes.
 */
import type pg from 'pg';
import { buildIndexes, deferIndexes, indexStates, type IndexBuildSettings, type IndexPlan, type IndexPlanStore } from '../lambdas/shared/indexes/deferred';
import { subscriptionCopy, type CopyJob, type CopyOutcome, type FullLoadCopy } from './full-load-copy';

export interface FerryFullLoadOptions {
  readonly job: CopyJob;
  /** A new connection to the target for each index build. */
  readonly connect: () => Promise<pg.Client>;
  readonly build: IndexBuildSettings;
  /** @default subscriptionCopy */
  readonly copy?: FullLoadCopy;
  /** Where the index plan is kept. @default in memory */
  readonly store?: IndexPlanStore;
  /** Give up on the index builds then. @default 6 hours from the start */
  readonly deadline?: number;
}

export interface FerryFullLoadResult {
  /** Record the plan and drop the secondary indexes. */
  readonly deferMs: number;
  /** `copy`: until every row is in and changes stream. */
  readonly copyMs: number;
  /** Until every planned index is valid. */
  readonly indexMs: number;
  readonly totalMs: number;
  readonly plan: IndexPlan;
  readonly copy: CopyOutcome;
  /** Each CREATE INDEX CONCURRENTLY: when it started (ms after the builds began) and how long it ran. */
  readonly builds: ReadonlyArray<{ readonly index: string; readonly startMs: number; readonly ms: number }>;
}

export async function ferryFullLoad(options: FerryFullLoadOptions): Promise<FerryFullLoadResult> {
  const { job } = options;
  const copy = options.copy ?? subscriptionCopy;
  const store = options.store ?? memoryPlanStore();
  const started = Date.now();
  await deferIndexes(job.target, job.tables, store, true);
  const plan = await store.load();
  if (!plan) throw new Error('deferIndexes recorded no index plan');
  const deferred = Date.now();
  const copyOutcome = await copy(job);
  const copied = Date.now();
  const builds: Array<{ index: string; startMs: number; ms: number }> = [];
  const built = await buildIndexes(job.target, timedBuilds(options.connect, copied, builds), plan, options.build, options.deadline ?? started + 6 * 3_600_000, job.pollMs);
  if (!built.done) throw new Error(`the index builds did not finish: ${JSON.stringify(built)}`);
  const finished = Date.now();
  const states = await indexStates(job.target, plan);
  const notValid = [...states].filter(([, state]) => state !== 'valid');
  if (notValid.length > 0) throw new Error(`indexes not valid after the builds: ${JSON.stringify(notValid)}`);
  return { deferMs: deferred - started, copyMs: copied - deferred, indexMs: finished - copied, totalMs: finished - started, plan, copy: copyOutcome, builds };
}

/** The builders' connections, with each CREATE INDEX statement they run timed into `builds`. */
function timedBuilds(connect: () => Promise<pg.Client>, since: number, builds: Array<{ index: string; startMs: number; ms: number }>): () => Promise<pg.Client> {
  return async () => {
    const client = await connect();
    const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
    (client as unknown as { query: (...args: unknown[]) => Promise<unknown> }).query = async (...args: unknown[]) => {
      const index = typeof args[0] === 'string' ? /^CREATE (?:UNIQUE )?INDEX CONCURRENTLY (\S+)/.exec(args[0])?.[1] : undefined;
      if (index === undefined) return query(...args);
      const start = Date.now();
      try {
        return await query(...args);
      } finally {
        builds.push({ index, startMs: start - since, ms: Date.now() - start });
      }
    };
    return client;
  };
}

function memoryPlanStore(): IndexPlanStore {
  let plan: IndexPlan | undefined;
  return {
    load: async () => plan,
    save: async (p) => {
      plan = p;
    },
  };
}
