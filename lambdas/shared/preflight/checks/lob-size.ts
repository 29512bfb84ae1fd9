import { mapWithConcurrency } from '../../concurrency';
import type { Database } from '../../pg/connection';
import { displayName, qualifiedName, quoteIdent } from '../../pg/identifiers';
import { PREFLIGHT_DEFAULTS, type CheckOutcome, type PreflightCheck } from '../check';
import { readSelectedTables, type SelectedTable } from '../catalog';
import { count, formatBytes, listNames, sentences } from '../text';

/**
 * How AWS DMS maps PostgreSQL source types to its LOB types ("Source data types for PostgreSQL"
 * in the DMS user guide, CHAP_Source.PostgreSQL): BYTEA -> BLOB; TEXT, JSON, JSONB, ARRAY,
 * COMPOSITE, HSTORE -> NCLOB; XML, TSVECTOR, TSQUERY, PATH, POLYGON -> CLOB. VARCHAR(n) is a
 * WSTRING(n) there; VARCHAR without a length is unbounded exactly like TEXT and is treated as an
 * NCLOB here (the conservative reading: its values are only reported when above the limit).
 * Domains count as their base type.
 */
export type LobType = 'BLOB' | 'CLOB' | 'NCLOB';

export interface ColumnType {
  /** pg_type.typname of the base type (domains resolved). */
  readonly base: string;
  /** pg_type.typcategory: 'A' for arrays. */
  readonly category: string;
  /** pg_type.typtype: 'c' for composite types. */
  readonly kind: string;
  /** The type modifier; -1 when none (varchar without a length). */
  readonly typmod: number;
}

const NCLOB_TYPES = new Set(['text', 'json', 'jsonb', 'hstore']);
const CLOB_TYPES = new Set(['xml', 'tsvector', 'tsquery', 'path', 'polygon']);

export function dmsLobType(t: ColumnType): LobType | undefined {
  if (t.base === 'bytea') return 'BLOB';
  if (NCLOB_TYPES.has(t.base) || (t.base === 'varchar' && t.typmod === -1) || t.category === 'A' || t.kind === 'c') return 'NCLOB';
  if (CLOB_TYPES.has(t.base)) return 'CLOB';
  return undefined;
}

/**
 * How DMS counts a value against "Limit LOB size to" (same user guide section): a BLOB by its
 * bytes; an NCLOB as 2 bytes per character (4 for characters outside the Basic Multilingual
 * Plane, i.e. UTF-16); a CLOB by its UTF-8 bytes (the guide counts characters, doubled when there
 * are 4-byte ones; UTF-8 bytes are never fewer, so this errs on the safe side).
 */
const HOW_COUNTED: Record<LobType, string> = {
  BLOB: 'bytes',
  CLOB: 'UTF-8 bytes',
  NCLOB: '2 bytes per character',
};

export interface LobColumn {
  readonly column: string;
  readonly type: string;
  readonly lob: LobType;
}

export interface OversizedValue {
  /** `schema.table.column` */
  readonly column: string;
  readonly type: string;
  readonly lob: LobType;
  /** The largest value's size as DMS counts it, in bytes. */
  readonly bytes: number;
}

/** DMS limited LOB mode accepts at most 100 MB (102,400 KB). */
export const DMS_MAX_LOB_SIZE_KB = 102_400;

export function lobSizeResult(limitKb: number, lobColumns: number, oversized: readonly OversizedValue[]): CheckOutcome {
  const limit = `lobMaxSizeKb = ${limitKb} (${formatBytes(limitKb * 1024)})`;
  if (oversized.length === 0) {
    return {
      severity: 'ok',
      message:
        lobColumns === 0
          ? 'The selected tables have no column that DMS treats as a LOB.'
          : `No value in the ${count(lobColumns, 'LOB column')} of the selected tables exceeds ${limit}.`,
      objects: [],
    };
  }
  const largest = Math.max(...oversized.map((o) => o.bytes));
  const neededKb = Math.ceil(largest / 1024);
  const sorted = [...oversized].sort((a, b) => b.bytes - a.bytes);
  return {
    severity: 'error',
    message: sentences(
      `${count(oversized.length, 'column')} hold${oversized.length === 1 ? 's' : ''} values larger than the DMS LOB limit ${limit}, measured as DMS counts them:`,
      `${listNames(sorted.map((o) => `${o.column} ${formatBytes(o.bytes)} (${o.type} as ${o.lob}, ${HOW_COUNTED[o.lob]})`))}.`,
      'In limited LOB mode DMS truncates such values (or fails the task), so the target would not get them whole.',
      neededKb <= DMS_MAX_LOB_SIZE_KB
        ? `Raise lobMaxSizeKb in the migration's replication config to at least ${neededKb} (larger values make the full load use more memory), or exclude these tables.`
        : `The largest is above what limited LOB mode allows (${DMS_MAX_LOB_SIZE_KB} KB): use the native engine for this migration, or exclude these tables.`,
    ),
    objects: sorted.map((o) => o.column),
  };
}

interface ColumnRow extends ColumnType {
  readonly oid: string;
  readonly column: string;
  readonly type: string;
}

/** Every column of the given tables with its base type (through domains, keeping the innermost type modifier). */
async function readColumns(db: Database, tables: readonly SelectedTable[]): Promise<ColumnRow[]> {
  return db.query<ColumnRow>(
    `with recursive chain(relid, attnum, typ, typmod) as (
       select a.attrelid, a.attnum, a.atttypid, a.atttypmod from pg_catalog.pg_attribute a
        where a.attrelid = any($1::oid[]) and a.attnum > 0 and not a.attisdropped
       union all
       select ch.relid, ch.attnum, t.typbasetype, case when ch.typmod = -1 then t.typtypmod else ch.typmod end
         from chain ch join pg_catalog.pg_type t on t.oid = ch.typ where t.typtype = 'd'
     )
     select ch.relid::text as oid, a.attname as "column", pg_catalog.format_type(a.atttypid, a.atttypmod) as type,
            t.typname as base, t.typcategory as category, t.typtype as kind, ch.typmod
       from chain ch join pg_catalog.pg_type t on t.oid = ch.typ and t.typtype <> 'd'
       join pg_catalog.pg_attribute a on a.attrelid = ch.relid and a.attnum = ch.attnum
      order by ch.relid, a.attnum`,
    [tables.map((t) => t.oid)],
  );
}

function valueText(column: LobColumn): string {
  const name = quoteIdent(column.column);
  return column.lob === 'BLOB' ? name : `${name}::pg_catalog.text`;
}

/**
 * The oversized values of one table. First one cheap pass: octet_length of text and bytea reads
 * only the TOAST pointer, never the value (other types are rendered as text). That gives each
 * value's DMS size exactly for BLOB and CLOB, and at most twice the bytes for NCLOB. Only when
 * that bound is over the limit, a second pass counts the characters of the values that can be
 * over it.
 */
async function oversizedInTable(db: Database, table: SelectedTable, columns: readonly LobColumn[], limitBytes: number, utf8: boolean): Promise<OversizedValue[]> {
  const [maxima] = await db.query<Record<string, number | null>>(
    `select ${columns.map((c, i) => `max(pg_catalog.octet_length(${valueText(c)})) as ${quoteIdent(`c${i}`)}`).join(', ')} from ${qualifiedName(table)}`,
  );
  const sizes = columns.map((c, i) => {
    const octets = maxima?.[`c${i}`] ?? 0;
    return { column: c, bound: c.lob === 'NCLOB' ? 2 * octets : octets };
  });
  const exact = new Map<LobColumn, number>();
  const recount = sizes.filter((s) => s.column.lob === 'NCLOB' && s.bound > limitBytes).map((s) => s.column);
  if (recount.length > 0) {
    // UTF-16 size: 2 bytes per character, 2 more for each character outside the BMP (only UTF-8 databases hold those).
    const utf16 = (c: LobColumn) => {
      const x = valueText(c);
      const astral = utf8 ? ` + 2::int8 * pg_catalog.char_length(pg_catalog.regexp_replace(${x}, '[^\\U00010000-\\U0010FFFF]', '', 'g'))` : '';
      return `2::int8 * pg_catalog.char_length(${x})${astral}`;
    };
    // A value of n bytes has at most n characters, so values of at most limit/2 bytes cannot exceed the limit.
    const [counted] = await db.query<Record<string, string | null>>(
      `select ${recount.map((c, i) => `max(case when pg_catalog.octet_length(${valueText(c)}) > $1 then ${utf16(c)} end) as ${quoteIdent(`c${i}`)}`).join(', ')}
         from ${qualifiedName(table)}
        where ${recount.map((c) => `pg_catalog.octet_length(${valueText(c)}) > $1`).join(' or ')}`,
      [Math.floor(limitBytes / 2)],
    );
    recount.forEach((c, i) => exact.set(c, Number(counted?.[`c${i}`] ?? 0)));
  }
  return sizes
    .map((s) => ({ column: s.column, bytes: exact.get(s.column) ?? s.bound }))
    .filter((s) => s.bytes > limitBytes)
    .map((s) => ({ column: `${displayName(table)}.${s.column.column}`, type: s.column.type, lob: s.column.lob, bytes: s.bytes }));
}

/** Tables are scanned two at a time: each scan reads a whole table, and the source is in production. */
const TABLE_SCANS_AT_ONCE = 2;

export async function findOversizedLobs(db: Database, tables: readonly SelectedTable[], limitBytes: number): Promise<{ lobColumns: number; oversized: OversizedValue[] }> {
  if (tables.length === 0) return { lobColumns: 0, oversized: [] };
  const [columns, [encoding]] = await Promise.all([
    readColumns(db, tables),
    db.query<{ encoding: string }>("select pg_catalog.current_setting('server_encoding') as encoding"),
  ]);
  const byTable = new Map<string, LobColumn[]>();
  for (const c of columns) {
    const lob = dmsLobType(c);
    if (lob === undefined) continue;
    const list = byTable.get(c.oid) ?? [];
    list.push({ column: c.column, type: c.type, lob });
    byTable.set(c.oid, list);
  }
  const withLobs = tables.filter((t) => byTable.has(t.oid));
  const found = await mapWithConcurrency(withLobs, TABLE_SCANS_AT_ONCE, (t) =>
    oversizedInTable(db, t, byTable.get(t.oid)!, limitBytes, encoding?.encoding === 'UTF8'),
  );
  return { lobColumns: [...byTable.values()].reduce((n, list) => n + list.length, 0), oversized: found.flat() };
}

export const lobSize: PreflightCheck = {
  id: 'lob-size',
  title: 'No source value in a column DMS treats as a LOB is larger than lobMaxSizeKb (limited LOB mode)',
  engines: ['dms'],
  databases: ['source'],
  async run(ctx) {
    const limitKb = ctx.lobMaxSizeKb ?? PREFLIGHT_DEFAULTS.lobMaxSizeKb;
    const tables = await readSelectedTables(ctx.source, ctx.selection);
    const { lobColumns, oversized } = await findOversizedLobs(ctx.source, tables, limitKb * 1024);
    return lobSizeResult(limitKb, lobColumns, oversized);
  },
};
