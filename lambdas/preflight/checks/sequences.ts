import type { Database } from '../../shared/pg/connection';
import type { CheckOutcome, PreflightCheck } from '../check';
import { readSelectedTables, type SelectedTable } from '../catalog';
import { count, listNames, sentences } from '../text';

export interface SequenceUse {
  /** `schema.table.column` */
  readonly column: string;
  /** `schema.sequence` */
  readonly sequence: string;
  /** identity column, serial (owned sequence with nextval default), or a default calling nextval on another sequence. */
  readonly how: 'identity' | 'serial' | 'default';
}

export function sequencesResult(uses: readonly SequenceUse[]): CheckOutcome {
  if (uses.length === 0) return { severity: 'ok', message: 'No selected column takes its values from a sequence.', objects: [] };
  const described = uses.map((u) => `${u.column} (${u.how}, sequence ${u.sequence})`);
  return {
    severity: 'warning',
    message: sentences(
      `${count(uses.length, 'column')} take${uses.length === 1 ? 's' : ''} values from sequences: ${listNames(described)}.`,
      'Replication copies rows but not sequence positions, so until cutover the target sequences lag behind the source.',
      'Nothing to do: the cutover sets every target sequence past the source value. Until then do not insert rows on the target.',
    ),
    objects: uses.map((u) => u.column),
  };
}

/**
 * Sequences behind the selected tables' columns: identity and serial sequences (owned by the
 * column, pg_depend 'i' / 'a'), and sequences a column default calls (pg_attrdef depends on them).
 */
export async function readSequenceUses(db: Database, tables: readonly SelectedTable[]): Promise<SequenceUse[]> {
  if (tables.length === 0) return [];
  return db.query<SequenceUse>(
    `with uses as (
       select d.refobjid as relid, d.refobjsubid as attnum, d.objid as seqid
         from pg_catalog.pg_depend d
        where d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass and d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
          and d.deptype in ('a', 'i') and d.refobjsubid > 0 and d.refobjid = any($1::oid[])
       union
       select ad.adrelid, ad.adnum, d.refobjid
         from pg_catalog.pg_attrdef ad
         join pg_catalog.pg_depend d on d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass and d.objid = ad.oid
          and d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
        where ad.adrelid = any($1::oid[])
     )
     select tn.nspname || '.' || t.relname || '.' || a.attname as "column", sn.nspname || '.' || s.relname as "sequence",
            case when a.attidentity <> '' then 'identity'
                 when exists (select 1 from pg_catalog.pg_depend o where o.objid = s.oid and o.refobjid = t.oid
                               and o.refobjsubid = a.attnum and o.deptype = 'a') then 'serial'
                 else 'default' end as how
       from uses u
       join pg_catalog.pg_class s on s.oid = u.seqid and s.relkind = 'S'
       join pg_catalog.pg_namespace sn on sn.oid = s.relnamespace
       join pg_catalog.pg_class t on t.oid = u.relid join pg_catalog.pg_namespace tn on tn.oid = t.relnamespace
       join pg_catalog.pg_attribute a on a.attrelid = u.relid and a.attnum = u.attnum
      order by 1, 2`,
    [tables.map((t) => t.oid)],
  );
}

export const sequences: PreflightCheck = {
  id: 'sequences',
  title: 'Sequences, identity and serial columns of the selected tables (their values are synced at cutover)',
  databases: ['source'],
  async run(ctx) {
    const tables = await readSelectedTables(ctx.source, ctx.selection);
    return sequencesResult(await readSequenceUses(ctx.source, tables));
  },
};
