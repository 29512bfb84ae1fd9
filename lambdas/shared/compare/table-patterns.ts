import { displayName, type TableName } from '../pg/identifiers';

/**
 * Table selection by `schema.table` patterns, as in the migration config: `*` is any run of
 * characters, `?` one character, everything else literal (case-sensitive, as catalog names are).
 */
export interface TableSelection {
  readonly include: readonly string[];
  readonly exclude?: readonly string[];
  /**
   * Exact tables by catalog name: when given, a table is selected only if it is one of these AND
   * the patterns select it. Names are matched as they are, so a table whose name holds `.`, `*`,
   * `?` or spaces (which no pattern can name exactly) can still be picked alone, e.g. the one
   * table a Map iteration of a workflow compares.
   * @default - no restriction beyond the patterns
   */
  readonly only?: readonly TableName[];
}

export const ALL_USER_TABLES: TableSelection = { include: ['*.*'] };

/**
 * Ferry's own schema on both databases (the cutover marker table, lambdas/shared/cutover/marker.ts).
 * Never selected, whatever the patterns say, even `*.*`: its rows differ between the sides by
 * design (markers are written on one side while replication carries them), so comparing it would
 * report differences that are not, and the replication engines add the marker table themselves.
 */
export const FERRY_SCHEMA = 'ferry';

function patternToRegExp(pattern: string): RegExp {
  const dot = pattern.indexOf('.');
  if (dot <= 0 || dot === pattern.length - 1 || pattern.indexOf('.', dot + 1) !== -1) {
    throw new RangeError(`table pattern '${pattern}' must be 'schema.table' (wildcards * and ? allowed)`);
  }
  const part = (p: string) => p.replace(/[\\^$+.()|{}[\]]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${part(pattern.slice(0, dot))}\\u0000${part(pattern.slice(dot + 1))}$`, 's');
}

/**
 * AWS DMS's own control and audit tables (`awsdms_apply_exceptions`, `awsdms_status`,
 * `awsdms_ddl_audit`, ...), in whatever schema DMS put them: never selected, so neither
 * replicated, frozen, compared nor checked.
 */
const DMS_TABLE = /^awsdms_/i;

/** Compiles a selection once; `matches` then tells whether a table is selected (never one of FERRY_SCHEMA, never DMS's own). */
export function compileSelection(selection: TableSelection): (table: TableName) => boolean {
  const include = selection.include.map(patternToRegExp);
  const exclude = (selection.exclude ?? []).map(patternToRegExp);
  // Schema and table joined by NUL, which no identifier contains, so a '.' inside a name cannot
  // make 'a.b' + 'c' look like 'a' + 'b.c'.
  const keyOf = (table: TableName) => `${table.schema}\u0000${table.name}`;
  const only = selection.only === undefined ? undefined : new Set(selection.only.map(keyOf));
  return (table) => {
    if (table.schema === FERRY_SCHEMA || DMS_TABLE.test(table.name)) return false;
    const key = keyOf(table);
    return (only?.has(key) ?? true) && include.some((r) => r.test(key)) && !exclude.some((r) => r.test(key));
  };
}

/** The selected tables, sorted by display name. */
export function selectTables<T extends TableName>(tables: readonly T[], selection: TableSelection): T[] {
  const matches = compileSelection(selection);
  return tables.filter(matches).sort((a, b) => displayName(a).localeCompare(displayName(b), 'en'));
}
