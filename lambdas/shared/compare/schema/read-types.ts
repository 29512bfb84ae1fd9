import { notExtensionMember, userSchema, type CatalogQuery } from './catalog';
import { sortByKeys, type EnumSnapshot, type ExtensionSnapshot, type SequenceSnapshot } from './snapshot';

/** last_value comes from pg_sequences, which gives null without the privilege to read it. */
const SEQUENCES_SQL = `
SELECT n.nspname AS schema, c.relname AS name, pg_catalog.format_type(s.seqtypid, NULL) AS data_type,
  s.seqstart::text AS start, s.seqincrement::text AS increment, s.seqmin::text AS min, s.seqmax::text AS max,
  s.seqcache::text AS cache, s.seqcycle AS cycle, ps.last_value::text AS last_value,
  own.schema AS owner_schema, own.table AS owner_table, own.column AS owner_column, own.deptype = 'i' AS identity
FROM pg_catalog.pg_sequence s
JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_sequences ps ON ps.schemaname = n.nspname AND ps.sequencename = c.relname
LEFT JOIN LATERAL (
  SELECT tn.nspname AS schema, tc.relname AS table, a.attname AS column, d.deptype
  FROM pg_catalog.pg_depend d
  JOIN pg_catalog.pg_class tc ON tc.oid = d.refobjid
  JOIN pg_catalog.pg_namespace tn ON tn.oid = tc.relnamespace
  JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
  WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid
    AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i')
  LIMIT 1
) own ON true
WHERE ${userSchema('n')} AND ${notExtensionMember('pg_class', 'c.oid')}`;

const ENUMS_SQL = `
SELECT n.nspname AS schema, t.typname AS name,
  ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS labels
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'e' AND ${userSchema('n')} AND ${notExtensionMember('pg_type', 't.oid')}`;

const EXTENSIONS_SQL = `
SELECT e.extname AS name, e.extversion AS version, n.nspname AS schema
FROM pg_catalog.pg_extension e
JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace`;

/**
 * What each user table uses from elsewhere, to keep it in a snapshot limited by a table selection:
 * enum types of its columns (also through arrays and domains), and sequences its defaults call.
 */
const TABLE_USES_SQL = `
WITH RECURSIVE column_types(relid, typid) AS (
  SELECT a.attrelid, a.atttypid FROM pg_catalog.pg_attribute a
  JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p') AND ${userSchema('n')}
  UNION
  SELECT ct.relid, CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.typelem END
  FROM column_types ct JOIN pg_catalog.pg_type t ON t.oid = ct.typid
  WHERE t.typtype = 'd' OR (t.typelem <> 0 AND t.typlen = -1)
)
SELECT tn.nspname AS schema, tc.relname AS table, 'enum' AS kind, en.nspname AS used_schema, et.typname AS used_name
FROM column_types ct
JOIN pg_catalog.pg_type et ON et.oid = ct.typid AND et.typtype = 'e'
JOIN pg_catalog.pg_namespace en ON en.oid = et.typnamespace
JOIN pg_catalog.pg_class tc ON tc.oid = ct.relid
JOIN pg_catalog.pg_namespace tn ON tn.oid = tc.relnamespace
UNION
SELECT tn.nspname, tc.relname, 'sequence', sn.nspname, sc.relname
FROM pg_catalog.pg_depend d
JOIN pg_catalog.pg_attrdef ad ON ad.oid = d.objid
JOIN pg_catalog.pg_class tc ON tc.oid = ad.adrelid
JOIN pg_catalog.pg_namespace tn ON tn.oid = tc.relnamespace
JOIN pg_catalog.pg_class sc ON sc.oid = d.refobjid AND sc.relkind = 'S'
JOIN pg_catalog.pg_namespace sn ON sn.oid = sc.relnamespace
WHERE d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
  AND ${userSchema('tn')}`;

interface SequenceRow {
  schema: string;
  name: string;
  data_type: string;
  start: string;
  increment: string;
  min: string;
  max: string;
  cache: string;
  cycle: boolean;
  last_value: string | null;
  owner_schema: string | null;
  owner_table: string | null;
  owner_column: string | null;
  identity: boolean | null;
}

export interface TableUse {
  readonly schema: string;
  readonly table: string;
  readonly kind: 'enum' | 'sequence';
  readonly used_schema: string;
  readonly used_name: string;
}

export async function readSequences(query: CatalogQuery): Promise<SequenceSnapshot[]> {
  const rows = await query<SequenceRow>(SEQUENCES_SQL);
  return sortByKeys(rows, (r) => r.schema, (r) => r.name).map((r) => ({
    schema: r.schema,
    name: r.name,
    dataType: r.data_type,
    start: r.start,
    increment: r.increment,
    min: r.min,
    max: r.max,
    cache: r.cache,
    cycle: r.cycle,
    ownedBy:
      r.owner_schema !== null && r.owner_table !== null && r.owner_column !== null
        ? { schema: r.owner_schema, table: r.owner_table, column: r.owner_column }
        : null,
    identity: r.identity === true,
    lastValue: r.last_value,
  }));
}

export async function readEnums(query: CatalogQuery): Promise<EnumSnapshot[]> {
  const rows = await query<EnumSnapshot>(ENUMS_SQL);
  return sortByKeys(rows, (r) => r.schema, (r) => r.name).map((r) => ({ schema: r.schema, name: r.name, labels: r.labels }));
}

/** Every extension: they are database-wide, whatever schema their objects live in. */
export async function readExtensions(query: CatalogQuery): Promise<ExtensionSnapshot[]> {
  const rows = await query<ExtensionSnapshot>(EXTENSIONS_SQL);
  return sortByKeys(rows, (r) => r.name).map((r) => ({ name: r.name, version: r.version, schema: r.schema }));
}

export async function readTableUses(query: CatalogQuery): Promise<TableUse[]> {
  return query<TableUse>(TABLE_USES_SQL);
}
