import { qualifiedName, quoteIdent } from '../../pg/identifiers';
import type { ColumnInfo, TableInfo } from './types';

/**
 * The SQL that turns a row into a 64-bit hash of its normalized values, the same way on both
 * databases. Equal data must hash equal on both sides, whatever each server's settings, version
 * or column order; different data must not:
 *
 * - columns are matched by name and always listed in name order;
 * - `record` method (both servers PostgreSQL 14+): `hash_record_extended(row(...), 0)`. A column
 *   whose base type has a portable hash (catalog.ts) and the same base type on both sides goes in
 *   as it is: its hash is by value, so numeric 1.0 = 1.00, float -0 = 0 and NaN = NaN,
 *   timestamptz independent of TimeZone, jsonb canonical, int4 and int8 alike. Any other column
 *   (enum, json, money, arrays, composites, extension types, or a type that differs between the
 *   sides) goes in as its normalized text (below). This is about twice as cheap as rendering the
 *   row as text, and as cheap as reading it (bench/compare.ts).
 * - `text` method (a server older than 14): `hashtextextended(row(...)::text, 0)` over normalized
 *   values. Session settings (connection.ts) fix the text of timestamptz (UTC), dates, intervals,
 *   floats (shortest exact form) and bytea (hex); numeric is trim_scale()d; float -0 is written 0;
 *   money is cast to numeric; everything else uses the type's own output.
 * - Either way NULL differs from '' (record hashing keeps a NULL flag; record_out writes NULL as
 *   nothing and '' as ""), and trailing spaces and Unicode normal forms stay as they are:
 *   different bytes are different data. The strict option keeps numeric scale (1.0 <> 1.00).
 *
 * Both hash functions back hash partitioning, which must not change across major versions.
 */

export type HashMethod = 'record' | 'text';

/** hash_record_extended exists from PostgreSQL 14. */
export function hashMethod(sourceVersion: number, targetVersion: number): HashMethod {
  return Math.min(sourceVersion, targetVersion) >= 140000 ? 'record' : 'text';
}

export interface RowSqlOptions {
  /** Compare numeric scale too: 1.0 <> 1.00. @default false */
  readonly strictNumericScale?: boolean;
}

/** The normalized text expression of one column. */
export function valueExpr(column: ColumnInfo, options: RowSqlOptions = {}): string {
  const id = quoteIdent(column.name);
  switch (column.valueClass) {
    case 'numeric':
      return options.strictNumericScale ? `${id}::numeric` : `trim_scale(${id}::numeric)`;
    case 'float':
      return `(case when ${id} = 0 then '0' else ${id}::text end)`;
    case 'money':
      return `${id}::numeric`;
    case 'plain':
      return id;
  }
}

/** Columns compared: those present on both sides, in name order (code-point order, not locale). */
export function sharedColumns(source: TableInfo, target: TableInfo): { source: ColumnInfo[]; target: ColumnInfo[] } {
  const targetByName = new Map(target.columns.map((c) => [c.name, c]));
  const names = source.columns
    .map((c) => c.name)
    .filter((n) => targetByName.has(n))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const sourceByName = new Map(source.columns.map((c) => [c.name, c]));
  return { source: names.map((n) => sourceByName.get(n)!), target: names.map((n) => targetByName.get(n)!) };
}

/** The expression of one column on each side: as it is where its hash is portable, else normalized text. */
export function pairValueExprs(source: ColumnInfo, target: ColumnInfo, method: HashMethod, options: RowSqlOptions = {}): [string, string] {
  if (method === 'text') return [valueExpr(source, options), valueExpr(target, options)];
  const native =
    source.portableHash &&
    target.portableHash &&
    source.baseType === target.baseType &&
    !(options.strictNumericScale && source.valueClass === 'numeric');
  if (native) return [quoteIdent(source.name), quoteIdent(target.name)];
  return [`(${valueExpr(source, options)})::text`, `(${valueExpr(target, options)})::text`];
}

/** The row's 64-bit hash over the given value expressions. */
export function rowHashSql(values: readonly string[], method: HashMethod): string {
  // With no shared column every row hashes alike: only counts are compared.
  if (values.length === 0) return '0::int8';
  return method === 'record' ? `hash_record_extended(row(${values.join(', ')}), 0)` : `hashtextextended(row(${values.join(', ')})::text, 0)`;
}

/** One hash per column, row()-wrapped so that NULL and '' differ; used to name changed columns. */
export function columnHashesSql(values: readonly string[], method: HashMethod): string {
  return `array[${values.map((v) => `${rowHashSql([v], method)}::text`).join(', ')}]::text[]`;
}

/**
 * Key columns as normalized text, aliased k0, k1, ... (names with odd characters never reach JS
 * object keys). Normalized so the same key reads the same on both sides (numeric 1.0 and 1.00);
 * the text is also a valid input for the column type, so it can go back as a bound parameter.
 */
export function keySelectSql(keyColumns: readonly ColumnInfo[]): string {
  return keyColumns.map((c, i) => `${valueExpr(c)}::text as k${i}`).join(', ');
}

/** `order by` over the key, in byte order when the two sides' collations disagree. */
export function keyOrderSql(keyColumns: readonly ColumnInfo[], byteOrder: boolean): string {
  return keyColumns.map((c) => keyTerm(c, byteOrder)).join(', ');
}

function keyTerm(column: ColumnInfo, byteOrder: boolean): string {
  return byteOrder && column.collation ? `${quoteIdent(column.name)} collate "C"` : quoteIdent(column.name);
}

/** A key range, bounds as text in key-column order; undefined means unbounded. */
export interface KeyRange {
  readonly lo?: readonly string[];
  readonly hi?: readonly string[];
}

/**
 * `(k1, k2) >= ($n, $n+1) and (k1, k2) < (...)`; bound values travel as parameters, whose types
 * PostgreSQL infers from the key columns, so no value is ever spliced into SQL.
 */
export function rangePredicate(keyColumns: readonly ColumnInfo[], range: KeyRange, params: unknown[], byteOrder = false): string {
  const terms = keyColumns.map((c) => keyTerm(c, byteOrder));
  const cols = terms.length === 1 ? terms[0]! : `(${terms.join(', ')})`;
  const bound = (values: readonly string[]) => {
    const placeholders = values.map((v) => {
      params.push(v);
      return `$${params.length}`;
    });
    return placeholders.length === 1 ? placeholders[0]! : `(${placeholders.join(', ')})`;
  };
  const parts: string[] = [];
  if (range.lo) parts.push(`${cols} >= ${bound(range.lo)}`);
  if (range.hi) parts.push(`${cols} < ${bound(range.hi)}`);
  return parts.length === 0 ? 'true' : parts.join(' and ');
}

export function fromSql(table: TableInfo): string {
  return qualifiedName(table);
}
