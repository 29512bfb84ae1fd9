import { readTables } from '../shared/compare/data/catalog';
import type { TableInfo } from '../shared/compare/data/types';
import type { TableSelection } from '../shared/compare/table-patterns';
import type { Database } from '../shared/pg/connection';
import { displayName, type TableName } from '../shared/pg/identifiers';
import { NoTablesSelectedError, TooManyTablesError } from './errors';

export interface ListTablesOutput {
  readonly migrationId: string;
  /** Exactly `{schema, name}` each: the workflow's Map hands every item to the compare step as `table`. */
  readonly tables: readonly TableName[];
  readonly count: number;
}

/**
 * Of Step Functions' 256 KB state, what the table list (`$.tables`) and the comparison results
 * (`$.comparison`) may take together; the rest is for the run, the lease, and the other steps'
 * results (the replication status alone may list 100 table names).
 */
export const TABLE_STATE_LIMIT_BYTES = 200_000;

/** One Map result, with the widest numbers it can hold (see migrate.asl.json, "Table compared"). */
const RESULT_OVERHEAD = JSON.stringify({ rounds: 200, complete: false, equal: false, rowsCompared: 1e15, differences: 1e15, table: {} }).length + 1;

/** Bytes the tables take in the workflow state: once in the list, once in each result. */
export function stateBytes(tables: readonly TableName[]): number {
  return tables.reduce((sum, t) => sum + 2 * (Buffer.byteLength(JSON.stringify({ schema: t.schema, name: t.name })) + 1) + RESULT_OVERHEAD, 0);
}

/** Largest first: the longest comparisons start first, so the Map ends sooner. Then by name, for a stable order. */
function bySizeThenName(a: TableInfo, b: TableInfo): number {
  return b.estimatedPages - a.estimatedPages || Math.max(b.estimatedRows, 0) - Math.max(a.estimatedRows, 0) || displayName(a).localeCompare(displayName(b), 'en');
}

/** The source's tables the migration selects, the way the compare engine sees them (partitions through their parent). */
export async function listTables(migrationId: string, source: Database, selection: TableSelection): Promise<ListTablesOutput> {
  const found = await readTables(source, selection);
  if (found.length === 0) throw new NoTablesSelectedError(migrationId, selection);
  const tables = [...found].sort(bySizeThenName).map((t) => ({ schema: t.schema, name: t.name }));
  const bytes = stateBytes(tables);
  if (bytes > TABLE_STATE_LIMIT_BYTES) throw new TooManyTablesError(migrationId, tables.length, bytes, TABLE_STATE_LIMIT_BYTES);
  return { migrationId, tables, count: tables.length };
}
