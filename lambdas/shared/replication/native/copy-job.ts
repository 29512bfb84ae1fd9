import { FERRY_SCHEMA } from '../../compare/table-patterns';
import type { Database } from '../../pg/connection';
import { qualifiedName, quoteIdent, type TableName } from '../../pg/identifiers';
import type { TableProgress } from '../engine';
import type { CopyProgress } from './copy';

/**
 * Where a parallel copy (copy/) says on the target that it runs: one row per replication in
 * `ferry.copy_job`, written before its slot is created and removed once its subscription exists.
 * The row is what allows Ferry to empty tables: a job's tables were empty when it began (the
 * engine checked), so whatever they hold while the row exists came from that job, and a restart
 * after a job that died truncates exactly them. Its `failure` is the job's own error, kept for
 * status() when the process that ran it is gone.
 */
export const COPY_JOB_TABLE: TableName = { schema: FERRY_SCHEMA, name: 'copy_job' };

export interface CopyJobRecord {
  readonly tables: readonly TableName[];
  readonly startedAt: string;
  readonly failure: string | null;
  /** Per table, as the job last saved it (every few seconds); undefined before its first save. */
  readonly progress?: readonly TableProgress[];
}

const table = qualifiedName(COPY_JOB_TABLE);

export async function recordCopyJob(db: Database, replication: string, tables: readonly TableName[]): Promise<void> {
  await db.query(`create schema if not exists ${quoteIdent(FERRY_SCHEMA)}`);
  await db.query(`create table if not exists ${table} (replication text primary key, tables jsonb not null, started_at timestamptz not null default now(), failure text, progress jsonb)`);
  await db.query(`insert into ${table} (replication, tables) values ($1, $2::jsonb) on conflict (replication) do update set tables = excluded.tables, started_at = now(), failure = null, progress = null`, [
    replication,
    JSON.stringify(tables.map((t) => ({ schema: t.schema, name: t.name }))),
  ]);
}

export async function readCopyJob(db: Database, replication: string): Promise<CopyJobRecord | undefined> {
  // No table: no job ever ran on this database.
  if (!(await jobTableExists(db))) return undefined;
  const [row] = await db.query<{ tables: TableName[]; started_at: string; failure: string | null; progress: TableProgress[] | null }>(
    `select tables, to_json(started_at) #>> '{}' as started_at, failure, progress from ${table} where replication = $1`,
    [replication],
  );
  return row && { tables: row.tables, startedAt: row.started_at, failure: row.failure, ...(row.progress ? { progress: row.progress } : {}) };
}

async function jobTableExists(db: Database): Promise<boolean> {
  const [row] = await db.query<{ found: boolean }>(`select to_regclass($1) is not null as found`, [table]);
  return row!.found;
}

/** The copy's progress as the engine's TableProgress: a table is loaded once all its units are done. */
export function tableStates(progress: CopyProgress): TableProgress[] {
  return progress.tables.map((t) => ({
    table: t.table,
    state: t.units > 0 && t.unitsDone === t.units ? 'loaded' : t.rows > 0 || progress.units.some((u) => u.table === t.table && u.state === 'copying') ? 'loading' : 'pending',
    rowsCopied: t.rows,
  }));
}

export async function saveCopyProgress(db: Database, replication: string, progress: CopyProgress): Promise<void> {
  await db.query(`update ${table} set progress = $2::jsonb where replication = $1`, [replication, JSON.stringify(tableStates(progress))]);
}

export async function failCopyJob(db: Database, replication: string, failure: string): Promise<void> {
  await db.query(`update ${table} set failure = $2 where replication = $1`, [replication, failure]);
}

/** Removes the job's row, and the table once no replication has one (so that finish finds Ferry's schema empty). */
export async function removeCopyJob(db: Database, replication: string): Promise<void> {
  if (!(await jobTableExists(db))) return;
  await db.query(`delete from ${table} where replication = $1`, [replication]);
  const [left] = await db.query<{ n: number }>(`select count(*)::int as n from ${table}`);
  if (left!.n === 0) await db.query(`drop table if exists ${table}`);
}
