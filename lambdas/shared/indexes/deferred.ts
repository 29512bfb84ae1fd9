import type pg from 'pg';
import { INDEX_PLAN_KIND } from '../catalog/reports';
import type { CheckpointStore } from '../checkpoints';
import type { Database } from '../pg/connection';
import { qualifiedName, type TableName } from '../pg/identifiers';

/** One secondary index of the target, as it was before Ferry dropped it for the full load. */
export interface PlannedIndex {
  readonly schema: string;
  readonly table: string;
  readonly name: string;
  /** `pg_get_indexdef`: the statement that builds it again, exactly. */
  readonly definition: string;
}

/** The plan, recorded before the first drop: what a resumed run completes. */
export interface IndexPlan {
  readonly indexes: readonly PlannedIndex[];
}

/** Where the plan lives (the checkpoint table in a step); saved before anything is dropped. */
export interface IndexPlanStore {
  load(): Promise<IndexPlan | undefined>;
  save(plan: IndexPlan): Promise<void>;
}

/** The plan as a report in the checkpoint table (`REPORT#index-plan#...`): the newest one is the plan. */
export function checkpointPlanStore(store: CheckpointStore, migrationId: string): IndexPlanStore {
  return {
    load: async () => (await store.latestReport(migrationId, INDEX_PLAN_KIND))?.report,
    save: async (plan) => {
      await store.putReport(migrationId, INDEX_PLAN_KIND, plan);
    },
  };
}

export interface IndexBuildSettings {
  readonly maintenanceWorkMemMb: number;
  readonly parallelWorkers: number;
  readonly concurrentBuilds: number;
}

/** The application_name of a builder's session: how a later invocation sees a build still running. */
export const BUILDER_APPLICATION = 'ferry-index-build';

/**
 * The secondary indexes of the given tables: every index but those that back a constraint
 * (primary key, unique, exclusion: pg_constraint.conindid, which also covers the unique index a
 * foreign key references) and the replica identity index. Indexes of partitioned tables and
 * their partitions' attached children are left alone: dropping a child is refused, and
 * rebuilding a parent cascades in a way this plan would not record exactly.
 */
export async function secondaryIndexes(db: Database, tables: readonly TableName[]): Promise<PlannedIndex[]> {
  return db.query<{ schema: string; table: string; name: string; definition: string }>(
    `select n.nspname as schema, t.relname as "table", i.relname as name, pg_get_indexdef(x.indexrelid) as definition
       from pg_index x
       join pg_class i on i.oid = x.indexrelid
       join pg_class t on t.oid = x.indrelid
       join pg_namespace n on n.oid = t.relnamespace
      where (n.nspname, t.relname) in (select * from unnest($1::text[], $2::text[]))
        and not x.indisprimary and not x.indisreplident
        and t.relkind = 'r' and i.relkind = 'i' and not t.relispartition
        and not exists (select 1 from pg_constraint c where c.conindid = x.indexrelid)
        and not exists (select 1 from pg_inherits h where h.inhrelid = x.indexrelid)
      order by 1, 2, 3`,
    [tables.map((t) => t.schema), tables.map((t) => t.name)],
  );
}

/**
 * Records the plan, then drops its indexes. A plan already recorded is continued, never
 * re-read from a half-dropped database; without one, a new plan is taken only when
 * `mayStart` (the replication has not started copying yet).
 */
export async function deferIndexes(db: Database, tables: readonly TableName[], store: IndexPlanStore, mayStart: boolean): Promise<{ readonly dropped: number; readonly resumed: boolean }> {
  let plan = await store.load();
  const resumed = plan !== undefined;
  if (!plan) {
    if (!mayStart) return { dropped: 0, resumed };
    plan = { indexes: await secondaryIndexes(db, tables) };
    await store.save(plan);
  }
  for (const index of plan.indexes) {
    await db.query(`drop index if exists ${qualifiedName({ schema: index.schema, name: index.name })}`);
  }
  return { dropped: plan.indexes.length, resumed };
}

export type IndexState = 'valid' | 'building' | 'invalid' | 'missing' | 'different';

/** What each planned index is now on the server. */
export async function indexStates(db: Database, plan: IndexPlan): Promise<Map<string, IndexState>> {
  const rows = await db.query<{ schema: string; name: string; definition: string | null; valid: boolean | null; building: boolean }>(
    `select p.schema, p.name, pg_get_indexdef(i.oid) as definition, x.indisvalid and x.indisready as valid,
            exists (select 1 from pg_stat_progress_create_index g where g.index_relid = i.oid)
              or exists (select 1 from pg_stat_activity a where a.application_name = $3 || ':' || p.schema || '.' || p.name and a.state = 'active') as building
       from unnest($1::text[], $2::text[]) as p(schema, name)
       left join pg_namespace n on n.nspname = p.schema
       left join pg_class i on i.relname = p.name and i.relnamespace = n.oid
       left join pg_index x on x.indexrelid = i.oid`,
    [plan.indexes.map((i) => i.schema), plan.indexes.map((i) => i.name), BUILDER_APPLICATION],
  );
  const byKey = new Map(plan.indexes.map((i) => [`${i.schema}.${i.name}`, i]));
  const states = new Map<string, IndexState>();
  for (const row of rows) {
    const key = `${row.schema}.${row.name}`;
    const planned = byKey.get(key);
    if (row.building) states.set(key, 'building');
    else if (row.definition === null) states.set(key, 'missing');
    else if (!row.valid) states.set(key, 'invalid');
    else if (planned && normalize(row.definition) !== normalize(planned.definition)) states.set(key, 'different');
    else states.set(key, 'valid');
  }
  return states;
}

/** CONCURRENTLY is inserted after CREATE [UNIQUE] INDEX; the rest of pg_get_indexdef's text is kept. */
export function concurrentDefinition(definition: string): string {
  return definition.replace(/^CREATE (UNIQUE )?INDEX /, (m) => `${m}CONCURRENTLY `);
}

const normalize = (definition: string) => definition.replace(/\s+/g, ' ').trim();

export interface BuildResult {
  readonly done: boolean;
  readonly valid: number;
  readonly building: number;
  readonly rebuilt: readonly string[];
}

/**
 * Builds the plan's missing indexes, at most `concurrentBuilds` at once, each on its own
 * connection (`connect`) tagged with BUILDER_APPLICATION so a later call sees it running and
 * does not start it twice. An invalid index (a build that died) is dropped and built again.
 * Starts what it may, then stops waiting at `deadline` and returns `done: false`: the builds go on on the server, which
 * does not notice a silent client until it sends the result (see docs/architecture.md).
 */
export async function buildIndexes(db: Database, connect: () => Promise<pg.Client>, plan: IndexPlan, settings: IndexBuildSettings, deadline: number, pollMs = 500): Promise<BuildResult> {
  const rebuilt: string[] = [];
  const running = new Map<string, Promise<void>>();
  for (;;) {
    const states = await indexStates(db, plan);
    const counts = { valid: 0, building: 0 };
    for (const s of states.values()) if (s === 'valid') counts.valid += 1; else if (s === 'building') counts.building += 1;
    if (counts.valid === plan.indexes.length) return { done: true, ...counts, rebuilt };
    // One build per table at a time: CREATE INDEX CONCURRENTLY takes a lock that conflicts with
    // itself, and a DROP INDEX CONCURRENTLY next to a build on the same table deadlocks with it.
    const tableOf = (index: PlannedIndex) => `${index.schema}.${index.table}`;
    const busyTables = new Set(plan.indexes.filter((i) => states.get(`${i.schema}.${i.name}`) === 'building' || running.has(`${i.schema}.${i.name}`)).map(tableOf));
    for (const index of plan.indexes) {
      const key = `${index.schema}.${index.name}`;
      const state = states.get(key);
      if (state === 'valid' || state === 'building' || running.has(key) || busyTables.has(tableOf(index))) continue;
      if (counts.building + running.size >= settings.concurrentBuilds) break;
      busyTables.add(tableOf(index));
      if (state === 'invalid' || state === 'different') {
        await db.query(`drop index concurrently if exists ${qualifiedName({ schema: index.schema, name: index.name })}`);
        rebuilt.push(key);
      }
      running.set(key, startBuild(connect, index, settings).finally(() => running.delete(key)));
    }
    // Checked after the builds are started, so that even a call with little time left moves them on.
    if (Date.now() >= deadline) return { done: false, valid: counts.valid, building: counts.building + running.size, rebuilt };
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

async function startBuild(connect: () => Promise<pg.Client>, index: PlannedIndex, settings: IndexBuildSettings): Promise<void> {
  const client = await connect();
  client.on('error', () => undefined);
  try {
    await client.query(`select set_config('application_name', $1, false), set_config('maintenance_work_mem', $2, false),
                               set_config('max_parallel_maintenance_workers', $3, false), set_config('statement_timeout', '0', false)`, [
      `${BUILDER_APPLICATION}:${index.schema}.${index.name}`,
      `${settings.maintenanceWorkMemMb}MB`,
      String(settings.parallelWorkers),
    ]);
    await client.query(concurrentDefinition(index.definition));
  } catch {
    // A failed or killed build leaves an invalid index or none: the next poll sees it and retries.
  } finally {
    await client.end().catch(() => undefined);
  }
}

