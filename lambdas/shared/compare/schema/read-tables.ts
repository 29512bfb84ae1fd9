import { groupBy, notExtensionMember, relationKey, userSchema, type CatalogQuery } from './catalog';
import { normalizeExpression } from './normalize';
import { readConstraints } from './read-constraints';
import { sortByKeys, type ColumnSnapshot, type SequenceOptions, type TableSnapshot } from './snapshot';

const TABLES_SQL = `
SELECT n.nspname AS schema, c.relname AS name
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND ${userSchema('n')} AND ${notExtensionMember('pg_class', 'c.oid')}`;

const COLUMNS_SQL = `
SELECT n.nspname AS schema, c.relname AS table, a.attname AS name,
  pg_catalog.row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum)::int AS position,
  pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
  a.attnotnull AS not_null,
  pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS expression,
  a.attidentity AS identity,
  a.attgenerated AS generated,
  CASE WHEN a.attcollation <> t.typcollation THEN co.collname END AS collation,
  CASE WHEN a.attcollation <> t.typcollation THEN con.nspname END AS collation_schema,
  pg_catalog.format_type(s.seqtypid, NULL) AS seq_type, s.seqstart::text AS seq_start,
  s.seqincrement::text AS seq_increment, s.seqmin::text AS seq_min, s.seqmax::text AS seq_max,
  s.seqcache::text AS seq_cache, s.seqcycle AS seq_cycle
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_catalog.pg_namespace con ON con.oid = co.collnamespace
LEFT JOIN LATERAL (
  SELECT seq.* FROM pg_catalog.pg_depend dep
  JOIN pg_catalog.pg_sequence seq ON seq.seqrelid = dep.objid
  WHERE dep.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND dep.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
    AND dep.refobjid = a.attrelid AND dep.refobjsubid = a.attnum AND dep.deptype = 'i'
  LIMIT 1
) s ON a.attidentity <> ''
WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p')
  AND ${userSchema('n')} AND ${notExtensionMember('pg_class', 'c.oid')}`;

interface TableRow {
  schema: string;
  name: string;
}

interface ColumnRow {
  schema: string;
  table: string;
  name: string;
  position: number;
  type: string;
  not_null: boolean;
  expression: string | null;
  identity: '' | 'a' | 'd';
  generated: '' | 's' | 'v';
  collation: string | null;
  collation_schema: string | null;
  seq_type: string | null;
  seq_start: string | null;
  seq_increment: string | null;
  seq_min: string | null;
  seq_max: string | null;
  seq_cache: string | null;
  seq_cycle: boolean | null;
}

/** Every user table with its columns (in position order) and constraints. */
export async function readTables(query: CatalogQuery): Promise<TableSnapshot[]> {
  const tables = await query<TableRow>(TABLES_SQL);
  const columns = await query<ColumnRow>(COLUMNS_SQL);
  const constraints = await readConstraints(query);
  const columnsByTable = groupBy(columns, (row) => relationKey(row.schema, row.table), toColumn);
  return sortByKeys(tables, (t) => t.schema, (t) => t.name).map((t) => {
    const key = relationKey(t.schema, t.name);
    return {
      schema: t.schema,
      name: t.name,
      columns: [...(columnsByTable.get(key) ?? [])].sort((a, b) => a.position - b.position),
      constraints: constraints.get(key) ?? [],
    };
  });
}

function toColumn(row: ColumnRow): ColumnSnapshot {
  const isGenerated = row.generated !== '';
  return {
    name: row.name,
    position: row.position,
    type: row.type,
    notNull: row.not_null,
    default: !isGenerated && row.expression !== null ? normalizeExpression(row.expression) : null,
    identity: row.identity === '' ? null : { generation: row.identity === 'a' ? 'always' : 'by default', sequence: identityOptions(row) },
    generated: isGenerated ? { kind: row.generated === 's' ? 'stored' : 'virtual', expression: normalizeExpression(row.expression ?? '') } : null,
    collation: row.collation === null ? null : row.collation_schema === 'pg_catalog' ? row.collation : `${row.collation_schema}.${row.collation}`,
  };
}

function identityOptions(row: ColumnRow): SequenceOptions {
  return {
    dataType: row.seq_type ?? '',
    start: row.seq_start ?? '',
    increment: row.seq_increment ?? '',
    min: row.seq_min ?? '',
    max: row.seq_max ?? '',
    cache: row.seq_cache ?? '',
    cycle: row.seq_cycle ?? false,
  };
}
