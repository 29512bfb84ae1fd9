import type pg from 'pg';
import { FerryError } from '../errors';
import { compileSelection, type TableSelection } from '../compare/table-patterns';
import type { Database } from '../pg/connection';
import { displayName, qualifiedName, type TableName } from '../pg/identifiers';

/**
 * Logical replication (native and DMS) carries rows, not sequence state: after the move the
 * target's sequences are wherever the schema copy left them, and the first insert on the target
 * would reuse ids the source already handed out. Cutover therefore moves each sequence on the
 * target past its source value, once the source is frozen.
 */

/** A sequence's state as `setval(seq, lastValue, isCalled)` takes it; values are bigint text. */
export interface SequencePosition {
  readonly lastValue: string;
  /** false: nextval returns lastValue itself (a sequence never called, or setval(..., false)). */
  readonly isCalled: boolean;
}

export interface SequenceSync {
  /** `schema.name` of the sequence (the same on both sides). */
  readonly sequence: string;
  /** `schema.table.column` it belongs to (serial or identity), null for a standalone sequence. */
  readonly owner: string | null;
  readonly from: SequencePosition;
  readonly before: SequencePosition;
  readonly after: SequencePosition;
  readonly action: 'moved' | 'unchanged';
  /**
   * The source handed out its last value ('max' ascending, 'min' descending): the next nextval
   * fails there (or wraps around, for CYCLE). The target now behaves the same; worth telling the
   * operator before the application finds out.
   */
  readonly atBound: 'min' | 'max' | null;
}

export interface SequenceSyncReport {
  /** Sorted by sequence name. */
  readonly sequences: readonly SequenceSync[];
  readonly moved: number;
  /** Sequences whose source value is at its bound (see SequenceSync.atBound). */
  readonly atBound: readonly string[];
}

/** Sequences of the selection that exist on the source but not on the target. Nothing was changed. */
export class SequenceMissingError extends FerryError {
  override readonly name = 'SequenceMissingError';

  constructor(
    readonly database: string,
    readonly missing: readonly string[],
  ) {
    super(
      `These sequences exist on the source but not on the ${database}: ${missing.join(', ')}. Without them, inserts on the ` +
        `target would reuse ids of the source. Create them on the target (the schema is out of date), then sync again. ` +
        `No sequence was changed.`,
    );
  }
}

interface SequenceRow extends TableName {
  increment: string;
  min: string;
  max: string;
  owner_schema: string | null;
  owner_table: string | null;
  owner_column: string | null;
  identity: boolean | null;
}

/** Why the cutover moves a sequence, or leaves it alone: syncSequences moves exactly those `moved`. */
export interface SequenceChoice {
  /** `schema.name` */
  readonly sequence: string;
  readonly schema: string;
  readonly name: string;
  /** `schema.table.column` that owns it (serial, identity, OWNED BY); null for a standalone sequence. */
  readonly owner: string | null;
  readonly moved: boolean;
  /** `identity of public.orders.id`, `the default of billing.invoices.number calls it`, `owned by public.scratch.id, whose table is not selected`. */
  readonly reason: string;
}

/**
 * User sequences with their owner: deptype 'a' links a serial column's sequence (OWNED BY) to the
 * column, 'i' an identity column's. Extension members are left out (the extension owns them).
 */
const SEQUENCES_SQL = `
select n.nspname as schema, c.relname as name,
       s.seqincrement::text as increment, s.seqmin::text as min, s.seqmax::text as max,
       o.schema as owner_schema, o.tbl as owner_table, o.col as owner_column, o.identity
  from pg_class c
  join pg_namespace n on n.oid = c.relnamespace
  join pg_sequence s on s.seqrelid = c.oid
  left join lateral (
    select tn.nspname as schema, t.relname as tbl, a.attname as col, d.deptype = 'i' as identity
      from pg_depend d
      join pg_class t on t.oid = d.refobjid
      join pg_namespace tn on tn.oid = t.relnamespace
      join pg_attribute a on a.attrelid = t.oid and a.attnum = d.refobjsubid
     where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.refclassid = 'pg_class'::regclass
       and d.deptype in ('a', 'i') and d.refobjsubid > 0
     limit 1) o on true
 where c.relkind = 'S'
   and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_toast%' and n.nspname not like 'pg\\_temp\\_%'
   and not exists (select 1 from pg_depend e where e.classid = 'pg_class'::regclass and e.objid = c.oid and e.deptype = 'e')
`;

/** Which columns' defaults call which sequences (nextval('...'), through pg_attrdef's dependency on the sequence). */
const DEFAULT_USES_SQL = `
select sn.nspname as seq_schema, sc.relname as seq_name, tn.nspname as schema, tc.relname as tbl, a.attname as col
  from pg_depend d
  join pg_attrdef ad on ad.oid = d.objid
  join pg_class tc on tc.oid = ad.adrelid
  join pg_namespace tn on tn.oid = tc.relnamespace
  join pg_attribute a on a.attrelid = ad.adrelid and a.attnum = ad.adnum
  join pg_class sc on sc.oid = d.refobjid and sc.relkind = 'S'
  join pg_namespace sn on sn.oid = sc.relnamespace
 where d.classid = 'pg_attrdef'::regclass and d.refclassid = 'pg_class'::regclass
`;

interface DefaultUseRow {
  seq_schema: string;
  seq_name: string;
  schema: string;
  tbl: string;
  col: string;
}

type Query = <R extends pg.QueryResultRow>(text: string, values?: unknown[]) => Promise<R[]>;

/**
 * Every user sequence with the cutover's decision, sorted by name. Moved: those owned by a column
 * of a selected table (serial, identity, OWNED BY); those a selected table's column default calls
 * (nextval), whoever owns them, since inserts into that table on the target use them; and
 * standalone ones whose own `schema.name` the selection's patterns match. Left alone: one owned by
 * a table that is not selected (whatever its name), and a standalone one nothing selected names.
 */
async function decide(query: Query, selection: TableSelection): Promise<Array<{ row: SequenceRow; choice: SequenceChoice }>> {
  const matches = compileSelection(selection);
  const [rows, uses] = await Promise.all([query<SequenceRow>(SEQUENCES_SQL), query<DefaultUseRow>(DEFAULT_USES_SQL)]);
  const key = (schema: string, name: string) => `${schema}\u0000${name}`;
  const callers = new Map<string, string[]>();
  for (const u of uses.filter((u) => matches({ schema: u.schema, name: u.tbl }))) {
    const list = callers.get(key(u.seq_schema, u.seq_name)) ?? [];
    list.push(`${u.schema}.${u.tbl}.${u.col}`);
    callers.set(key(u.seq_schema, u.seq_name), list);
  }
  return rows
    .map((row) => {
      const owner = row.owner_table === null ? null : `${row.owner_schema}.${row.owner_table}.${row.owner_column}`;
      const called = [...new Set(callers.get(key(row.schema, row.name)) ?? [])].sort();
      let moved = true;
      let reason: string;
      if (owner !== null && matches({ schema: row.owner_schema!, name: row.owner_table! })) reason = row.identity ? `identity of ${owner}` : `owned by ${owner}`;
      else if (called.length > 0) reason = `the default${called.length === 1 ? '' : 's'} of ${called.join(', ')} call${called.length === 1 ? 's' : ''} it`;
      else if (owner === null && matches(row)) reason = 'standalone, and the table selection matches its name';
      else {
        moved = false;
        reason =
          owner !== null
            ? `owned by ${owner}, whose table is not selected, and no selected column's default calls it`
            : "standalone: the table selection does not match its name and no selected column's default calls it";
      }
      return { row, choice: { sequence: displayName(row), schema: row.schema, name: row.name, owner, moved, reason } };
    })
    .sort((a, b) => a.choice.sequence.localeCompare(b.choice.sequence, 'en'));
}

/** Every user sequence of `db` and whether (and why) the cutover moves it: what syncSequences and preflight both go by. */
export async function chooseSequences(db: Pick<Database, 'query'>, selection: TableSelection): Promise<SequenceChoice[]> {
  return (await decide((text, values) => db.query(text, values), selection)).map((d) => d.choice);
}

/** Sequences read per statement (one UNION ALL branch each). */
const READ_BATCH = 200;

/**
 * Reads each sequence relation itself: pg_sequences.last_value is null both for a sequence never
 * called and for one the user may not read, and cannot tell the two apart.
 */
async function readPositions(query: Query, sequences: readonly TableName[]): Promise<SequencePosition[]> {
  const positions: SequencePosition[] = [];
  for (let i = 0; i < sequences.length; i += READ_BATCH) {
    const batch = sequences.slice(i, i + READ_BATCH);
    const sql = batch
      .map((s, j) => `select ${j}::int as i, last_value::text as last_value, is_called from ${qualifiedName(s)}`)
      .join(' union all ');
    const rows = await query<{ i: number; last_value: string; is_called: boolean }>(`select * from (${sql}) v order by i`);
    positions.push(...rows.map((r) => ({ lastValue: r.last_value, isCalled: r.is_called })));
  }
  return positions;
}

/** What nextval returns next (may lie beyond the bound: then nextval fails, or cycles). */
function nextValue(p: SequencePosition, increment: bigint): bigint {
  return p.isCalled ? BigInt(p.lastValue) + increment : BigInt(p.lastValue);
}

/**
 * Moves every selected sequence on `to` to where it is on `from`, when `to` is behind: ascending
 * sequences when their next value is lower, descending ones (negative increment) when higher.
 * Never backwards, so running it twice, or after the target handed out values, is safe.
 *
 * Throws SequenceMissingError before changing anything when a sequence is missing on `to`.
 * setval is not transactional (a rollback does not undo it), so that check comes first; the
 * transaction gives one connection and one consistent view of the target's catalog. A failure
 * half way leaves some sequences moved forward, which is safe, and a re-run finishes the rest.
 *
 * A concurrent nextval on `to` between the read and the setval could be set back; at cutover no
 * application writes to the target yet.
 */
export async function syncSequences(from: Database, to: Database, selection: TableSelection): Promise<SequenceSyncReport> {
  const fromQuery: Query = (text, values) => from.query(text, values);
  const wanted = (await decide(fromQuery, selection)).filter((d) => d.choice.moved).map((d) => d.row);
  const fromPositions = await readPositions(fromQuery, wanted);

  return to.withClient(async (client) => {
    const query: Query = async (text, values) => (await client.query(text, values)).rows;
    await client.query('begin');
    try {
      const present = new Map((await query<SequenceRow>(SEQUENCES_SQL)).map((r) => [displayName(r), r]));
      const missing = wanted.filter((s) => !present.has(displayName(s))).map(displayName);
      if (missing.length > 0) throw new SequenceMissingError(to.label, missing);
      const targets = wanted.map((s) => present.get(displayName(s))!);
      const before = await readPositions(query, targets);

      const sequences: SequenceSync[] = [];
      for (const [k, seq] of wanted.entries()) {
        const target = targets[k]!;
        const source = fromPositions[k]!;
        const increment = BigInt(target.increment);
        const descending = increment < 0n;
        const behind = descending
          ? nextValue(before[k]!, increment) > nextValue(source, BigInt(seq.increment))
          : nextValue(before[k]!, increment) < nextValue(source, BigInt(seq.increment));
        let after = before[k]!;
        if (behind) {
          // The name goes in as a parameter cast to regclass: quoted by qualifiedName, parsed by
          // the server, never spliced into the statement.
          const [row] = await query<{ v: string }>('select setval($1::regclass, $2::bigint, $3)::text as v', [
            qualifiedName(target),
            source.lastValue,
            source.isCalled,
          ]);
          after = { lastValue: row!.v, isCalled: source.isCalled };
        }
        const sourceDescending = BigInt(seq.increment) < 0n;
        const bound = sourceDescending ? seq.min : seq.max;
        sequences.push({
          sequence: displayName(seq),
          owner: seq.owner_table === null ? null : `${seq.owner_schema}.${seq.owner_table}.${seq.owner_column}`,
          from: source,
          before: before[k]!,
          after,
          action: behind ? 'moved' : 'unchanged',
          atBound: source.isCalled && source.lastValue === bound ? (sourceDescending ? 'min' : 'max') : null,
        });
      }
      await client.query('commit');
      return {
        sequences,
        moved: sequences.filter((s) => s.action === 'moved').length,
        atBound: sequences.filter((s) => s.atBound !== null).map((s) => s.sequence),
      };
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    }
  });
}
