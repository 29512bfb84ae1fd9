import type { Database } from '../../pg/connection';
import type { CheckOutcome, Engine, PreflightCheck, Severity } from '../check';
import { readSelectedTables, readServerVersion, type SelectedTable } from '../catalog';
import { allOf, capitalize, count, listNames, sentences, worst } from '../text';

/** A table that holds rows (a partition is reported on its own: its replica identity is its own). */
export interface IdentityRow {
  /** `schema.table` */
  readonly table: string;
  /** pg_class.relreplident: d(efault: primary key), n(othing), f(ull), i(ndex). */
  readonly identity: 'd' | 'n' | 'f' | 'i';
  readonly hasPrimaryKey: boolean;
  /** For `i`: the index exists and is valid; false when it was dropped or failed to build. */
  readonly identityIndexUsable: boolean;
}

type Verdict = { readonly severity: Severity; readonly reason: string };

/** How one table's updates and deletes fare with the engine. */
export function judgeIdentity(engine: Engine, row: IdentityRow): Verdict {
  if (row.identity === 'n') return { severity: 'error', reason: 'REPLICA IDENTITY NOTHING' };
  if (row.identity === 'd' && !row.hasPrimaryKey) return { severity: 'error', reason: 'no primary key' };
  if (row.identity === 'i' && !row.identityIndexUsable) return { severity: 'error', reason: 'its replica identity index is missing or invalid' };
  // The DMS documentation: "If a table doesn't have a primary key, AWS DMS ignores DELETE and UPDATE record operations for that table."
  if (engine === 'dms' && !row.hasPrimaryKey) return { severity: 'error', reason: `no primary key (REPLICA IDENTITY ${row.identity === 'f' ? 'FULL' : 'USING INDEX'} is not enough for DMS)` };
  if (row.identity === 'f') return { severity: 'warning', reason: 'REPLICA IDENTITY FULL' };
  return { severity: 'ok', reason: row.identity === 'i' ? 'replica identity index' : 'primary key' };
}

export function replicaIdentityResult(engine: Engine, rows: readonly IdentityRow[]): CheckOutcome {
  const judged = rows.map((row) => ({ row, ...judgeIdentity(engine, row) }));
  const errors = judged.filter((j) => j.severity === 'error');
  const warnings = judged.filter((j) => j.severity === 'warning');
  const severity = worst(judged.map((j) => j.severity));
  if (severity === 'ok') {
    return { severity, message: `${capitalize(allOf(rows.length, 'selected table'))} ${rows.length === 1 ? 'has' : 'have'} a primary key or a usable replica identity.`, objects: [] };
  }
  const errorText =
    errors.length > 0 &&
    sentences(
      `${count(errors.length, 'table')} cannot replicate updates and deletes: ${listNames(errors.map((e) => `${e.row.table} (${e.reason})`))}.`,
      engine === 'dms'
        ? 'AWS DMS would silently skip their UPDATEs and DELETEs, so the target would keep stale and deleted rows.'
        : 'Once published, every UPDATE and DELETE on them fails on the source ("does not have a replica identity"), and without that they would never reach the target.',
      engine === 'dms'
        ? 'Add a primary key to each (ALTER TABLE ... ADD PRIMARY KEY (...), or ADD PRIMARY KEY USING INDEX on an existing unique index), or exclude the table from the migration.'
        : 'Add a primary key to each (ALTER TABLE ... ADD PRIMARY KEY (...)), or set ALTER TABLE ... REPLICA IDENTITY USING INDEX <unique index on NOT NULL columns>, or as a last resort REPLICA IDENTITY FULL; or exclude the table from the migration.',
    );
  const warningText =
    warnings.length > 0 &&
    sentences(
      `${count(warnings.length, 'table')} use${warnings.length === 1 ? 's' : ''} REPLICA IDENTITY FULL: ${listNames(warnings.map((w) => w.row.table))}.`,
      'Each update and delete then writes the whole old row to the WAL, and the target finds the row by comparing every column, which is slow on large tables without a suitable index.',
      'Prefer a primary key (then ALTER TABLE ... REPLICA IDENTITY DEFAULT) or REPLICA IDENTITY USING INDEX.',
    );
  return {
    severity,
    message: sentences(errorText, warningText),
    objects: [...errors, ...warnings].map((j) => j.row.table),
  };
}

/** The replica identity of every table that holds the selected tables' rows: the tables themselves, or a partitioned table's leaf partitions. */
export async function readIdentities(db: Database, tables: readonly SelectedTable[]): Promise<IdentityRow[]> {
  if (tables.length === 0) return [];
  const { num } = await readServerVersion(db);
  // A plain table is its own leaf; pg_partition_tree (PostgreSQL 12+) gives a partitioned table's leaves (and nothing for a plain table).
  const leaves =
    num >= 120000
      ? `unnest($1::oid[]) t(root)
         cross join lateral (select t.root as relid union select p.relid from pg_catalog.pg_partition_tree(t.root) p where p.isleaf) l
         join pg_catalog.pg_class c on c.oid = l.relid`
      : 'unnest($1::oid[]) t(root) join pg_catalog.pg_class c on c.oid = t.root';
  return db.query<IdentityRow>(
    `select n.nspname || '.' || c.relname as "table", c.relreplident as identity,
            exists (select 1 from pg_catalog.pg_index i where i.indrelid = c.oid and i.indisprimary) as "hasPrimaryKey",
            coalesce((select i.indisvalid and i.indisready and i.indislive from pg_catalog.pg_index i
                       where i.indrelid = c.oid and i.indisreplident), false) as "identityIndexUsable"
       from ${leaves} join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where c.relkind = 'r'
      order by 1`,
    [tables.map((t) => t.oid)],
  );
}

export const replicaIdentity: PreflightCheck = {
  id: 'replica-identity',
  title: 'Selected tables have a primary key or usable replica identity, so updates and deletes replicate',
  databases: ['source'],
  async run(ctx) {
    const tables = await readSelectedTables(ctx.source, ctx.selection);
    return replicaIdentityResult(ctx.engine, await readIdentities(ctx.source, tables));
  },
};
