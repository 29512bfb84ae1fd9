import type pg from 'pg';
import type { Database } from '../../../pg/connection';
import { displayName, qualifiedName, type TableName } from '../../../pg/identifiers';
import { readSubscriberTables } from '../catalog';
import { CopyTableMissingError, CopyTargetNotEmptyError } from './errors';
import type { TableSize } from './units';

/** What the copy reads the catalog through: a worker's session, inside its snapshot. */
export type Queryable = Pick<pg.ClientBase, 'query'>;

const tableArrays = (tables: readonly TableName[]) => [tables.map((t) => t.schema), tables.map((t) => t.name)];

/**
 * Size of each table's main fork (`pg_relation_size`: the file's length, current even without
 * VACUUM or ANALYZE, where `relpages` may be stale), and of a partitioned table its leaves'
 * total. One row per table, whatever the tables hold. Tables that are not ordinary or
 * partitioned tables in this database are refused, all named at once.
 */
export async function readTableSizes(db: Queryable, label: string, tables: readonly TableName[]): Promise<TableSize[]> {
  const { rows } = await db.query<{ schema: string; name: string; kind: string | null; bytes: string | null; block_size: number }>(
    `select t.schema, t.name, c.relkind::text as kind, current_setting('block_size')::int as block_size,
            (case c.relkind when 'p' then (select coalesce(sum(pg_relation_size(p.relid)), 0) from pg_partition_tree(c.oid) p where p.isleaf)
                            else pg_relation_size(c.oid) end)::int8::text as bytes
       from unnest($1::text[], $2::text[]) with ordinality as t(schema, name, position)
       left join pg_namespace n on n.nspname = t.schema
       left join pg_class c on c.relnamespace = n.oid and c.relname = t.name and c.relkind in ('r', 'p')
      order by t.position`,
    tableArrays(tables),
  );
  const missing = rows.filter((r) => r.kind === null).map(displayName);
  if (missing.length > 0) throw new CopyTableMissingError(label, missing);
  return rows.map((r) => {
    const bytes = Number(r.bytes);
    return { schema: r.schema, name: r.name, bytes, pages: Math.ceil(bytes / r.block_size), partitioned: r.kind === 'p' };
  });
}

/**
 * The columns a copy carries, per table (`schema.name`), in the source's order: every column
 * but dropped ones (still in pg_attribute) and generated ones (COPY cannot write into those; the
 * target computes them). Copied by name, so the target's column order may differ.
 */
export async function readColumns(db: Queryable, tables: readonly TableName[]): Promise<Map<string, string[]>> {
  const { rows } = await db.query<{ schema: string; name: string; columns: string[] }>(
    `select t.schema, t.name, coalesce(array_agg(a.attname::text order by a.attnum) filter (where a.attname is not null), '{}') as columns
       from unnest($1::text[], $2::text[]) as t(schema, name)
       join pg_namespace n on n.nspname = t.schema
       join pg_class c on c.relnamespace = n.oid and c.relname = t.name
       left join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
      group by t.schema, t.name`,
    tableArrays(tables),
  );
  return new Map(rows.map((r) => [displayName(r), r.columns]));
}

/**
 * Refuses, before anything is copied, tables missing on the target or holding rows there: the
 * copy only fills empty tables, which is what lets `discardPartialCopy` empty them again.
 */
export async function assertEmpty(target: Database, tables: readonly TableName[]): Promise<void> {
  const { missing, nonEmpty } = await readSubscriberTables(target, tables);
  if (missing.length > 0) throw new CopyTableMissingError(target.label, missing);
  if (nonEmpty.length > 0) throw new CopyTargetNotEmptyError(target.label, nonEmpty);
}

/**
 * After a failed copy: empties exactly the tables the copy was given (found empty before it by
 * `assertEmpty`), in one TRUNCATE, without CASCADE, so no other table is ever touched; a table
 * outside the list whose foreign key references one of them makes it fail instead. ONLY, so
 * an inheritance child is left alone (the copy wrote into the parent alone), but not for a
 * partitioned table, whose rows are its partitions'. Safe to repeat. The slot is the caller's.
 */
export async function discardPartialCopy(target: Database, tables: readonly TableName[]): Promise<void> {
  if (tables.length === 0) return;
  const partitioned = new Set(
    (await target.query<{ schema: string; name: string }>(
      `select t.schema, t.name from unnest($1::text[], $2::text[]) as t(schema, name)
         join pg_namespace n on n.nspname = t.schema join pg_class c on c.relnamespace = n.oid and c.relname = t.name
        where c.relkind = 'p'`,
      tableArrays(tables),
    )).map(displayName),
  );
  const targets = tables.map((t) => `${partitioned.has(displayName(t)) ? '' : 'only '}${qualifiedName(t)}`);
  await target.query(`truncate table ${targets.join(', ')}`);
}
