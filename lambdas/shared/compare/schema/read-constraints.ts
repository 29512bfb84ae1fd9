import { groupBy, notExtensionMember, relationKey, userSchema, type CatalogQuery } from './catalog';
import { normalizeConstraintDefinition } from './normalize';
import { sortByKeys, type ConstraintSnapshot, type ConstraintType, type ForeignKeyAction } from './snapshot';

/**
 * Constraints of user tables. Left out: NOT NULL (PostgreSQL 18 lists them here; nullability is a
 * column property), and the per-partition copies of a foreign key that references a partitioned
 * table (same name on the same table as their parent, which already says it all).
 */
const CONSTRAINTS_SQL = `
SELECT n.nspname AS schema, c.relname AS table, k.conname AS name, k.contype AS type,
  pg_catalog.pg_get_constraintdef(k.oid) AS definition,
  k.convalidated AS validated, k.condeferrable AS deferrable, k.condeferred AS deferred,
  ARRAY(SELECT a.attname::text FROM pg_catalog.unnest(k.conkey) WITH ORDINALITY u(attnum, ord)
        JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum ORDER BY u.ord) AS columns,
  rn.nspname AS ref_schema, rc.relname AS ref_table,
  ARRAY(SELECT a.attname::text FROM pg_catalog.unnest(k.confkey) WITH ORDINALITY u(attnum, ord)
        JOIN pg_catalog.pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.attnum ORDER BY u.ord) AS ref_columns,
  k.confupdtype AS on_update, k.confdeltype AS on_delete, k.confmatchtype AS match
FROM pg_catalog.pg_constraint k
JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_class rc ON rc.oid = k.confrelid
LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
WHERE k.contype IN ('p', 'u', 'f', 'c', 'x') AND c.relkind IN ('r', 'p')
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint parent WHERE parent.oid = k.conparentid AND parent.conrelid = k.conrelid)
  AND ${userSchema('n')} AND ${notExtensionMember('pg_class', 'c.oid')}`;

interface ConstraintRow {
  schema: string;
  table: string;
  name: string;
  type: 'p' | 'u' | 'f' | 'c' | 'x';
  definition: string;
  validated: boolean;
  deferrable: boolean;
  deferred: boolean;
  columns: string[];
  ref_schema: string | null;
  ref_table: string | null;
  ref_columns: string[];
  on_update: string;
  on_delete: string;
  match: string;
}

const TYPES: Record<ConstraintRow['type'], ConstraintType> = {
  p: 'primary key',
  u: 'unique',
  f: 'foreign key',
  c: 'check',
  x: 'exclusion',
};

const ACTIONS: Record<string, ForeignKeyAction> = { a: 'no action', r: 'restrict', c: 'cascade', n: 'set null', d: 'set default' };
const MATCHES: Record<string, 'simple' | 'full' | 'partial'> = { s: 'simple', f: 'full', p: 'partial' };

/** Constraints by table (key: relationKey), each list sorted by name. */
export async function readConstraints(query: CatalogQuery): Promise<Map<string, ConstraintSnapshot[]>> {
  const rows = sortByKeys(await query<ConstraintRow>(CONSTRAINTS_SQL), (r) => r.name);
  return groupBy(rows, (row) => relationKey(row.schema, row.table), toConstraint);
}

function toConstraint(row: ConstraintRow): ConstraintSnapshot {
  // NOT VALID is a state of the constraint, not part of what it says; kept apart in `validated`.
  const definition = !row.validated && row.definition.endsWith(' NOT VALID') ? row.definition.slice(0, -' NOT VALID'.length) : row.definition;
  return {
    name: row.name,
    type: TYPES[row.type],
    definition: normalizeConstraintDefinition(definition),
    columns: row.columns,
    validated: row.validated,
    deferrable: row.deferrable,
    initiallyDeferred: row.deferred,
    references:
      row.type === 'f' && row.ref_schema !== null && row.ref_table !== null
        ? {
            schema: row.ref_schema,
            table: row.ref_table,
            columns: row.ref_columns,
            onUpdate: ACTIONS[row.on_update] ?? 'no action',
            onDelete: ACTIONS[row.on_delete] ?? 'no action',
            match: MATCHES[row.match] ?? 'simple',
          }
        : null,
  };
}
