import pg from 'pg';

/**
 * SQL identifiers are quoted by the driver's own escaping (`pg.escapeIdentifier`: doubles `"` and
 * wraps in quotes), never by concatenating names into SQL. Every identifier Ferry puts in SQL
 * comes through here.
 */
export function quoteIdent(name: string): string {
  if (name.length === 0) throw new RangeError('an SQL identifier must not be empty');
  if (name.includes('\0')) throw new RangeError('an SQL identifier must not contain a NUL character');
  return pg.escapeIdentifier(name);
}

/** A table as catalog names (unquoted). */
export interface TableName {
  readonly schema: string;
  readonly name: string;
}

/** `"schema"."table"`, each part quoted. */
export function qualifiedName(table: TableName): string {
  return `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
}

/** The human form `schema.table` used in reports and patterns (not for SQL). */
export function displayName(table: TableName): string {
  return `${table.schema}.${table.name}`;
}
