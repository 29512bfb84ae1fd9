import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { FerryError } from '../../../errors';
import { isConnectionFailure } from '../../../pg/connection';
import { displayName, qualifiedName, quoteIdent } from '../../../pg/identifiers';
import { CopyConnectionLostError, TableCopyFailedError } from './errors';
import { ctidCondition, type CopyUnit } from './units';

/** A copy worker's pair of sessions (see sessions.ts) and the databases' labels for errors. */
export interface Worker {
  readonly source: pg.Client;
  readonly target: pg.Client;
  readonly sourceLabel: string;
  readonly targetLabel: string;
}

/**
 * The two statements of a unit. Text format: binary COPY is not guaranteed readable across
 * major versions (a type's binary form may change, and types without send/receive functions
 * have none), and a migration's whole point is moving between versions. `FROM ONLY` for an
 * ordinary table, since the publication publishes it without its inheritance children; a
 * partitioned table through its root, as it is published. Columns by name, so the target's
 * column order may differ; with no copyable column, COPY's own default of all columns.
 */
export function unitStatements(unit: CopyUnit, columns: readonly string[]): { select: string; insert: string } {
  const table = qualifiedName(unit.table);
  const list = columns.map(quoteIdent).join(', ');
  const where = ctidCondition(unit);
  return {
    select: `copy (select ${list} from ${unit.partitioned ? '' : 'only '}${table}${where === '' ? '' : ` where ${where}`}) to stdout`,
    insert: `copy ${table}${columns.length === 0 ? '' : ` (${list})`} from stdin`,
  };
}

/**
 * Copies one unit: the source's COPY TO streamed into the target's COPY FROM (backpressure
 * end to end, nothing buffered whole), in one target transaction, so a unit is either all on
 * the target or rolled back. Returns the rows the target took; `onRows` hears the count so far.
 */
export async function copyUnit(worker: Worker, unit: CopyUnit, columns: readonly string[], onRows: (rows: number) => void): Promise<number> {
  const { select, insert } = unitStatements(unit, columns);
  // The side whose stream failed first: pipeline() then destroys the other with the same error.
  // Listeners stay for good: a stream can report its connection's end after pipeline() settled.
  let failedOn: string | undefined;
  try {
    await worker.target.query('begin');
    const reader = worker.source.query(copyTo(select));
    const writer = worker.target.query(copyFrom(insert));
    reader.on('error', () => (failedOn ??= worker.sourceLabel));
    writer.on('error', () => (failedOn ??= worker.targetLabel));
    const piping = pipeline(reader, writer);
    // A second 'data' listener, added once pipeline() has piped the reader: it sees every chunk
    // the writer gets, and takes nothing from it.
    let rows = 0;
    reader.on('data', (chunk: Buffer) => {
      rows += countNewlines(chunk);
      onRows(rows);
    });
    await piping;
    await worker.target.query('commit');
    return writer.rowCount;
  } catch (error) {
    throw unitError(unit, failedOn ?? worker.targetLabel, error);
  }
}

function unitError(unit: CopyUnit, database: string, error: unknown): unknown {
  if (error instanceof FerryError) return error;
  const where = { table: displayName(unit.table), part: unit.part, parts: unit.parts };
  if (isConnectionFailure(error)) return new CopyConnectionLostError(where, database, error);
  return new TableCopyFailedError(where, database, error);
}

function countNewlines(chunk: Buffer): number {
  let count = 0;
  for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) count += 1;
  return count;
}
