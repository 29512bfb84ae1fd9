import { compileSelection, type TableSelection } from '../../compare/table-patterns';
import { DatabaseQueryError, type Database } from '../../pg/connection';
import { displayName, qualifiedName, quoteIdent, type TableName } from '../../pg/identifiers';

/**
 * DMS parallel load of large tables (DMS user guide, "Table and collection settings rules and
 * operations", "Using parallel load for selected tables"): a `table-settings` rule whose
 * `parallel-load` is `{"type": "ranges", "columns": [...], "boundaries": [[...], ...]}` makes DMS
 * load the table as boundaries + 1 segments at once, each segment a subtask counted against
 * `MaxFullLoadSubTasks`. Ranges are the only parallel-load type a PostgreSQL source supports
 * (partitions are not). How DMS reads a boundary: it is the upper bound of a segment, compared as
 * a row, `(c1 < b1) or (c1 = b1 and c2 < b2) ...`, in a WHERE clause that runs on the source; the
 * first segment is everything below the first boundary, the last everything from the last one up.
 *
 * What Ferry does, before the forward replication's first start only (engine.ts):
 * 1. One catalog query finds the tables larger than `fullLoad.parallelTableMb` (pg_table_size:
 *    the table and its TOAST, as `\dt+` shows; a file size per table, so the cost grows with the
 *    number of tables, never with their size), with their primary keys, and keeps those the
 *    migration's `tables` patterns select (the same selection DMS replicates, table-mappings.ts).
 * 2. For each, `rangesPerTable - 1` boundaries on the primary key from a page sample
 *    (`TABLESAMPLE SYSTEM`: random whole pages, not a scan), sorted by the source itself so that
 *    the order is the one DMS's WHERE clauses will see (the column's collation).
 * 3. A table is left whole, with the reason logged, when it has no primary key (DMS does not
 *    replicate rows whose range columns are null, and only a primary key rules nulls out), when a
 *    key column has a type DMS cannot bound a segment on (text and unbounded varchar are LOBs to
 *    DMS, floats and bytea are refused by the guide, others are not ones whose literal Ferry can
 *    vouch for), or when a sampled boundary value could not be written as a plain literal.
 *
 * Why not `planSegments` (lambdas/shared/compare/data/plan.ts): it cuts a table into segments of
 * about N rows with a fixed 8 sampled pages per segment, tuned for the thousands of segments of
 * a comparison; for the 2 to 64 ranges here that is 16 to 512 pages of a multi-gigabyte table,
 * too few for even ranges. Its input is also a comparison `Side` (hash expressions, normalized
 * key text), which DMS has no use for. Changing either means editing plan.ts, so this file has a
 * sampler of its own with the same technique and a larger sample.
 */

export interface ParallelLoadOptions {
  /** The source database (a reader session, lambdas/shared/pg/connection.ts). */
  readonly source: Database;
  /** `tables`: what DMS replicates; only those tables are considered. */
  readonly tables: TableSelection;
  /** `fullLoad.parallelTableMb`: tables larger than this, on the source, are split. */
  readonly parallelTableMb: number;
  /** `fullLoad.rangesPerTable`: segments per large table (2-64). */
  readonly rangesPerTable: number;
}

/** A primary key column as the catalog describes it. */
export interface KeyColumn {
  readonly name: string;
  /** format_type() of the declared type, for messages. */
  readonly type: string;
  /** pg_type.typname of the declared type (`int8`, `varchar`, ...). */
  readonly typeName: string;
  /** pg_type.typtype: `b` base, `d` domain, `e` enum, `c` composite, ... */
  readonly typeKind: string;
  /** pg_attribute.atttypmod: -1 when the type has no modifier (varchar without length, numeric without precision). */
  readonly typmod: number;
}

/** A selected table above the size threshold. */
export interface LargeTable extends TableName {
  /** pg_table_size: the table and its TOAST. */
  readonly bytes: number;
  /** Pages of the table itself (the ones TABLESAMPLE SYSTEM samples). */
  readonly pages: number;
  /** In key order; undefined when the table has no primary key. */
  readonly primaryKey?: readonly KeyColumn[];
}

/** A table split into ranges: DMS loads `boundaries.length + 1` segments at once. */
export interface TableRanges extends TableName {
  readonly columns: readonly string[];
  /** Upper bounds of the segments but the last, ascending, each one value per column as text. */
  readonly boundaries: readonly (readonly string[])[];
}

/** A large table that is loaded whole, and why. */
export interface LeftWhole extends TableName {
  readonly reason: string;
}

export interface ParallelLoadPlan {
  readonly split: readonly TableRanges[];
  readonly whole: readonly LeftWhole[];
}

/** Sampled pages per range: about 512 KB read per range, enough for boundaries within a few percent of even. */
export const SAMPLE_PAGES_PER_RANGE = 64;

/**
 * Ordinary tables (partitions included: DMS loads each as a table of its own; a partitioned
 * parent has no storage) above a size, with their primary key columns.
 */
const LARGE_TABLES_SQL = `
select n.nspname as schema, c.relname as name,
  pg_table_size(c.oid)::text as bytes,
  (pg_relation_size(c.oid) / current_setting('block_size')::int)::text as pages,
  (select json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod),
            'typeName', t.typname, 'typeKind', t.typtype, 'typmod', a.atttypmod) order by k.ord)
     from pg_index i
     cross join lateral unnest(i.indkey) with ordinality k(attnum, ord)
     join pg_attribute a on a.attrelid = c.oid and a.attnum = k.attnum
     join pg_type t on t.oid = a.atttypid
    where i.indrelid = c.oid and i.indisprimary and k.ord <= i.indnkeyatts) as key
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where c.relkind = 'r'
  and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_toast%'
  and n.nspname not like 'pg\\_temp\\_%'
  and pg_table_size(c.oid) > $1::bigint
order by 1, 2
`;

interface LargeTableRow {
  schema: string;
  name: string;
  bytes: string;
  pages: string;
  key: KeyColumn[] | null;
}

/** The tables of `selection` on `db` larger than `minBytes`, by name. One catalog query. */
export async function findLargeTables(db: Database, selection: TableSelection, minBytes: number): Promise<LargeTable[]> {
  const selected = compileSelection(selection);
  const rows = await db.query<LargeTableRow>(LARGE_TABLES_SQL, [String(Math.floor(minBytes))]);
  return rows
    .map((r): LargeTable => ({
      schema: r.schema,
      name: r.name,
      bytes: Number(r.bytes),
      pages: Number(r.pages),
      ...(r.key && r.key.length > 0 ? { primaryKey: r.key } : {}),
    }))
    .filter(selected);
}

/**
 * Why DMS cannot bound segments on this key column, or undefined when it can. DMS maps PostgreSQL
 * types to its own (DMS user guide, "Source data types for PostgreSQL") and refuses DOUBLE, FLOAT,
 * BLOB, CLOB and NCLOB as range columns; the types allowed here are those whose text form is a
 * literal DMS compares on the source exactly as PostgreSQL orders the key.
 */
export function keyColumnProblem(column: KeyColumn): string | undefined {
  const what = `key column ${column.name} (${column.type})`;
  if (column.typeKind === 'd') return `${what} has a domain type, which DMS replicates as a user-defined type`;
  switch (column.typeName) {
    case 'int2':
    case 'int4':
    case 'int8':
    case 'date':
    case 'timestamp':
    case 'timestamptz':
    case 'uuid':
      return undefined;
    case 'numeric': {
      if (column.typmod < 4) return `${what} has no precision, and DMS reads such a column as NUMERIC(28,6), which can round a boundary`;
      const precision = ((column.typmod - 4) >> 16) & 0xffff;
      return precision > 38 ? `${what} has a precision above 38, which DMS reads as a string` : undefined;
    }
    case 'varchar':
    case 'bpchar':
      return column.typmod > 0 ? undefined : `${what} has no length, and DMS reads it as a LOB (NCLOB), which cannot bound a segment`;
    case 'text':
      return `${what}: DMS reads text as a LOB (NCLOB), which cannot bound a segment`;
    case 'float4':
    case 'float8':
      return `${what}: DMS cannot bound a segment on a floating-point column`;
    case 'bytea':
      return `${what}: DMS reads bytea as a LOB (BLOB), which cannot bound a segment`;
    default:
      return `${what}: Ferry writes DMS boundaries only on integer, numeric(p), varchar(n), char(n), date, timestamp, timestamptz and uuid keys`;
  }
}

/** Quotes, backslashes and control characters: how DMS escapes them in its WHERE clause is not documented. */
function unwritable(value: string): boolean {
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (char === "'" || char === '\\' || code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/**
 * Why a sampled boundary value cannot be written as a DMS boundary, or undefined. The value itself
 * is not repeated: a key can be personal data, and the reason goes to logs.
 */
export function boundaryValueProblem(column: KeyColumn, value: string): string | undefined {
  if (value === '') return `a sampled value of key column ${column.name} is the empty string, which DMS may read as no value`;
  if (unwritable(value)) {
    return `a sampled value of key column ${column.name} holds a quote, backslash or control character, which DMS's boundary literals are not documented to escape`;
  }
  return undefined;
}

/**
 * `ranges - 1` boundaries from keys sorted ascending: the keys at 1/ranges, 2/ranges, ... of the
 * sample, so each range holds about as many sampled keys, and (pages being sampled at random) about
 * as many rows. Undefined when the sample has fewer keys than ranges.
 */
export function boundariesFromSample(sortedKeys: readonly (readonly string[])[], ranges: number): string[][] | undefined {
  if (!Number.isInteger(ranges) || ranges < 2) throw new RangeError(`ranges must be a whole number of at least 2, got ${ranges}`);
  if (sortedKeys.length < ranges) return undefined;
  const boundaries: string[][] = [];
  for (let i = 1; i < ranges; i++) boundaries.push([...sortedKeys[Math.floor((i * sortedKeys.length) / ranges)]!]);
  return boundaries;
}

/** The sampled primary keys of `table`, as text, sorted by the source in key order. */
export async function sampleKeys(db: Database, table: LargeTable, ranges: number): Promise<string[][]> {
  const key = table.primaryKey ?? [];
  if (key.length === 0 || table.pages <= 0) return [];
  const percent = Math.min(100, (100 * SAMPLE_PAGES_PER_RANGE * ranges) / table.pages);
  // Qualified by the alias in ORDER BY: a bare name could be read as one of the k0.. output columns (text).
  const select = key.map((c, i) => `t.${quoteIdent(c.name)}::text as k${i}`).join(', ');
  const order = key.map((c) => `t.${quoteIdent(c.name)}`).join(', ');
  const rows = await db.query<Record<string, string>>(
    `select ${select} from ${qualifiedName(table)} as t tablesample system ($1) order by ${order}`,
    [percent],
  );
  return rows.map((r) => key.map((_, i) => r[`k${i}`]!));
}

/**
 * Which selected large tables are split into ranges, on what, and which are loaded whole.
 * `alreadyRuled` holds tables that have a parallel-load rule in the mappings already (keyed by
 * `tableKey`): they are left as they are.
 */
export async function planParallelLoad(options: ParallelLoadOptions, alreadyRuled: ReadonlySet<string> = new Set()): Promise<ParallelLoadPlan> {
  const { source, rangesPerTable } = options;
  if (!Number.isInteger(rangesPerTable) || rangesPerTable < 2 || rangesPerTable > 64) {
    throw new RangeError(`rangesPerTable must be a whole number from 2 to 64, got ${rangesPerTable}`);
  }
  const tables = await findLargeTables(source, options.tables, options.parallelTableMb * 1024 * 1024);
  const split: TableRanges[] = [];
  const whole: LeftWhole[] = [];
  for (const table of tables) {
    const outcome = await planTable(source, table, rangesPerTable, alreadyRuled);
    if ('reason' in outcome) whole.push(outcome);
    else split.push(outcome);
  }
  return { split, whole };
}

async function planTable(db: Database, table: LargeTable, ranges: number, alreadyRuled: ReadonlySet<string>): Promise<TableRanges | LeftWhole> {
  const leave = (reason: string): LeftWhole => ({ schema: table.schema, name: table.name, reason });
  const size = `${Math.round(table.bytes / (1024 * 1024))} MB`;
  if (alreadyRuled.has(tableKey(table))) return leave(`${size}; the table mappings already hold a parallel-load rule for it, which is kept`);
  if (/[%[\]]/.test(table.schema) || /[%[\]]/.test(table.name)) {
    return leave(`${size}; its name holds %, [ or ], which DMS reads as wildcards in an object locator`);
  }
  const key = table.primaryKey;
  if (!key) return leave(`${size}; it has no primary key, and DMS skips rows whose range columns are null`);
  const problem = key.map(keyColumnProblem).find((p) => p !== undefined);
  if (problem) return leave(`${size}; ${problem}`);
  let keys: string[][];
  try {
    keys = await sampleKeys(db, table, ranges);
  } catch (error) {
    // A table Ferry cannot read stays whole; the load itself is not Ferry's to block.
    if (error instanceof DatabaseQueryError) return leave(`${size}; sampling its keys failed: ${error.message}`);
    throw error;
  }
  const boundaries = boundariesFromSample(keys, ranges);
  if (!boundaries) return leave(`${size}; the page sample held ${keys.length} keys, fewer than the ${ranges} ranges`);
  for (const boundary of boundaries) {
    const bad = boundary.map((value, i) => boundaryValueProblem(key[i]!, value)).find((p) => p !== undefined);
    if (bad) return leave(`${size}; ${bad}`);
  }
  return { schema: table.schema, name: table.name, columns: key.map((c) => c.name), boundaries };
}

/** A table's identity in sets: schema and name joined by NUL, which no identifier contains. */
export function tableKey(table: TableName): string {
  return `${table.schema}\u0000${table.name}`;
}

/* ---------------------------------------------------------------------------------------------
 * The table mappings document: pure functions over the JSON DMS holds.
 * ------------------------------------------------------------------------------------------- */

/** Ferry's parallel-load rules are named `ferryparallel<rule id>` (DMS rule names are alphanumeric). */
export const PARALLEL_RULE_PREFIX = 'ferryparallel';

/** A rule as DMS holds it; only the fields Ferry reads are typed, the rest is kept as it is. */
export interface MappingRule {
  readonly 'rule-type': string;
  readonly 'rule-id': string;
  readonly 'rule-name': string;
  readonly 'object-locator'?: { readonly 'schema-name': string; readonly 'table-name': string };
  readonly 'parallel-load'?: unknown;
  readonly [field: string]: unknown;
}

export interface TableMappingsDocument {
  readonly rules: readonly MappingRule[];
  readonly [field: string]: unknown;
}

export interface DmsParallelLoadRule extends MappingRule {
  readonly 'rule-type': 'table-settings';
  readonly 'object-locator': { readonly 'schema-name': string; readonly 'table-name': string };
  readonly 'parallel-load': { readonly type: 'ranges'; readonly columns: readonly string[]; readonly boundaries: readonly (readonly string[])[] };
}

/** The mappings DMS returned, or undefined when they are missing or not a rules document. */
export function parseTableMappings(text: string | undefined): TableMappingsDocument | undefined {
  if (!text) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const rules = (parsed as { rules?: unknown })?.rules;
  return Array.isArray(rules) ? (parsed as TableMappingsDocument) : undefined;
}

/** Whether Ferry has added its ranges already, and which tables have a parallel-load rule (anyone's). */
export function parallelLoadIn(mappings: TableMappingsDocument): { readonly ferry: boolean; readonly tables: ReadonlySet<string> } {
  const rules = mappings.rules.filter((r) => r['rule-type'] === 'table-settings' && r['parallel-load'] !== undefined);
  const tables = new Set(
    rules.flatMap((r) => (r['object-locator'] ? [tableKey({ schema: r['object-locator']['schema-name'], name: r['object-locator']['table-name'] })] : [])),
  );
  return { ferry: rules.some((r) => String(r['rule-name']).startsWith(PARALLEL_RULE_PREFIX)), tables };
}

/** One `table-settings` rule per split table, numbered from `firstId`. */
export function parallelLoadRules(split: readonly TableRanges[], firstId: number): DmsParallelLoadRule[] {
  return split.map((table, index) => {
    const id = String(firstId + index);
    return {
      'rule-type': 'table-settings',
      'rule-id': id,
      'rule-name': `${PARALLEL_RULE_PREFIX}${id}`,
      // Table-settings locators take exact names, no wildcards: a literal `_` stays as it is.
      'object-locator': { 'schema-name': table.schema, 'table-name': table.name },
      'parallel-load': { type: 'ranges', columns: [...table.columns], boundaries: table.boundaries.map((b) => [...b]) },
    };
  });
}

/**
 * `mappings` with a parallel-load rule for each split table after its own rules, which are kept
 * exactly (the selection rules decide what is replicated). Rule ids continue after the largest
 * numeric one. Refuses mappings without a selection rule: replacing them would replicate nothing.
 */
export function withParallelLoad(mappings: TableMappingsDocument, split: readonly TableRanges[]): TableMappingsDocument {
  if (!mappings.rules.some((r) => r['rule-type'] === 'selection')) {
    throw new Error('the table mappings hold no selection rule; Ferry adds parallel-load rules only next to the deployed selection rules');
  }
  const largest = Math.max(0, ...mappings.rules.map((r) => Number(r['rule-id'])).filter((n) => Number.isSafeInteger(n)));
  return { ...mappings, rules: [...mappings.rules, ...parallelLoadRules(split, largest + 1)] };
}

/** `public.orders in 4 ranges on (id)`, for messages. */
export function describeSplit(table: TableRanges): string {
  return `${displayName(table)} in ${table.boundaries.length + 1} ranges on (${table.columns.join(', ')})`;
}
