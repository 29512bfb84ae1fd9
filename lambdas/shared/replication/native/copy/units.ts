import { displayName, type TableName } from '../../../pg/identifiers';

/**
 * The work units of a parallel copy, planned from table sizes alone (read once from the catalog,
 * so planning costs one row per table whatever the tables hold).
 *
 * A table larger than `parallelTableBytes` is cut into `rangesPerTable` ranges of pages, read as
 * `ctid` ranges (a TID Range Scan on PostgreSQL 14+: each range reads only its own pages). The
 * first range has no lower bound and the last no upper bound, so the ranges cover every possible
 * tuple id exactly once: under one snapshot they partition the table's visible rows exactly, even
 * if the table grew after its size was read (those pages fall into the last range). A
 * partitioned table is one unit (its partitions' ctids overlap): it is read through its root.
 */

/** A table and its size: main fork bytes and pages (`pg_relation_size`, `block_size`). */
export interface TableSize extends TableName {
  readonly bytes: number;
  readonly pages: number;
  /** Partitioned: read through its root, never split by ctid. */
  readonly partitioned: boolean;
}

export interface UnitPlanOptions {
  /** Tables larger than this (bytes) are split; 0 splits every table of more than one page. */
  readonly parallelTableBytes: number;
  /** How many ranges a split table is cut into (fewer when it has fewer pages). */
  readonly rangesPerTable: number;
}

/** One COPY: a whole table, or one page range of it. */
export interface CopyUnit {
  readonly table: TableName;
  /** Position among the table's units, from 0. */
  readonly part: number;
  /** How many units the table has. */
  readonly parts: number;
  /** First page read (inclusive); undefined: from the first page. */
  readonly fromPage?: number;
  /** Page where the range stops (exclusive); undefined: to the end, pages added later included. */
  readonly toPage?: number;
  /** Estimated size of the unit, for the largest-first order. */
  readonly bytes: number;
  readonly partitioned: boolean;
}

/**
 * Units of all tables, largest first (a long unit started last would leave the other workers
 * idle at the end), ties by table name then part, so the plan is deterministic.
 */
export function planUnits(tables: readonly TableSize[], options: UnitPlanOptions): CopyUnit[] {
  if (!(options.parallelTableBytes >= 0)) throw new RangeError(`parallelTableBytes must be 0 or more, got ${options.parallelTableBytes}`);
  if (!Number.isInteger(options.rangesPerTable) || options.rangesPerTable < 1) {
    throw new RangeError(`rangesPerTable must be a whole number of 1 or more, got ${options.rangesPerTable}`);
  }
  const units = tables.flatMap((table) => unitsOf(table, options));
  return units.sort((a, b) => b.bytes - a.bytes || compare(displayName(a.table), displayName(b.table)) || a.part - b.part);
}

function unitsOf(table: TableSize, options: UnitPlanOptions): CopyUnit[] {
  const name = { schema: table.schema, name: table.name };
  if (!Number.isSafeInteger(table.pages) || table.pages < 0) throw new RangeError(`${displayName(table)}: pages must be a whole number, got ${table.pages}`);
  const parts = table.partitioned || table.bytes <= options.parallelTableBytes ? 1 : Math.max(1, Math.min(options.rangesPerTable, table.pages));
  if (parts === 1) return [{ table: name, part: 0, parts: 1, bytes: table.bytes, partitioned: table.partitioned }];
  const boundary = (i: number) => Math.floor((i * table.pages) / parts);
  return Array.from({ length: parts }, (_, part) => ({
    table: name,
    part,
    parts,
    ...(part > 0 ? { fromPage: boundary(part) } : {}),
    ...(part < parts - 1 ? { toPage: boundary(part + 1) } : {}),
    bytes: Math.round(((boundary(part + 1) - boundary(part)) * table.bytes) / table.pages),
    partitioned: false,
  }));
}

/**
 * The unit's `where` condition on ctid, or '' for a whole table. Page numbers are integers we
 * computed (checked again here), so the literals cannot carry anything else.
 */
export function ctidCondition(unit: Pick<CopyUnit, 'fromPage' | 'toPage'>): string {
  const bound = (page: number) => {
    if (!Number.isSafeInteger(page) || page < 0) throw new RangeError(`not a page number: ${page}`);
    return `'(${page},0)'::tid`;
  };
  const conditions = [
    ...(unit.fromPage !== undefined ? [`ctid >= ${bound(unit.fromPage)}`] : []),
    ...(unit.toPage !== undefined ? [`ctid < ${bound(unit.toPage)}`] : []),
  ];
  return conditions.join(' and ');
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
