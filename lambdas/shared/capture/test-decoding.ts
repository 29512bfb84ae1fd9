import { FerryError } from '../errors';
import type { TableName } from '../pg/identifiers';

/**
 * A parser of the text `test_decoding` writes for each change (contrib/test_decoding, the plugin
 * RDS, Aurora and DMS use; stable since PostgreSQL 9.4):
 *
 *   table public.orders: INSERT: id[bigint]:7 note[text]:'it''s' total[numeric]:8.75
 *   table public.orders: UPDATE: old-key: id[bigint]:7 new-tuple: id[bigint]:8 note[text]:null ...
 *   table public.orders: DELETE: id[bigint]:8
 *   table public.a, public.b: TRUNCATE: restart_seqs cascade
 *
 * Names are `quote_identifier`ed (double quotes, `""` inside), types are `format_type` output in
 * square brackets (which may itself hold brackets: `integer[]`), values are `null`,
 * `unchanged-toast-datum`, a single-quoted literal (`''` inside, newlines kept), `B'0101'` for bit
 * strings, or a bare token for numbers and booleans. The old key lists only the replica identity's
 * columns (NULLs are left out), and only when the identity changed or is FULL.
 *
 * Written by hand: pg-logical-replication's grammar for this plugin rejects array types and
 * TRUNCATE, and its pgoutput parser needs a publication, which means owning every table.
 */

/** A column whose value was not written because it is TOASTed and did not change. */
export const UNCHANGED_TOAST = Symbol('unchanged-toast-datum');

export type Datum = string | null | typeof UNCHANGED_TOAST;
/** Column name -> value, in the order written. */
export type Tuple = ReadonlyMap<string, Datum>;

export type DecodedChange =
  | { readonly kind: 'insert'; readonly table: TableName; readonly newTuple: Tuple }
  | { readonly kind: 'update'; readonly table: TableName; readonly newTuple?: Tuple; readonly oldKey?: Tuple }
  | { readonly kind: 'delete'; readonly table: TableName; readonly oldKey?: Tuple }
  | { readonly kind: 'truncate'; readonly tables: readonly TableName[] }
  /** BEGIN, COMMIT, messages: nothing that changes a row. */
  | { readonly kind: 'other' };

/** A change line this parser cannot read: the round fails rather than skip a change. */
export class CaptureDecodeError extends FerryError {
  override readonly name = 'CaptureDecodeError';
}

const ACTIONS = new Set(['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']);

/** Only the table names, for lines of tables a round does not look at (cheap: stops before the tuple). */
export function decodedTables(line: string): readonly TableName[] | undefined {
  if (!line.startsWith('table ')) return undefined;
  return new Reader(line, 6).tableList();
}

/**
 * Parses one line. `wanted` decides, from the table name, whether the tuples are read at all:
 * the columns of tables outside the selection are skipped, never parsed.
 */
export function parseTestDecoding(line: string, wanted: (table: TableName) => boolean = () => true): DecodedChange {
  if (!line.startsWith('table ')) return { kind: 'other' };
  const r = new Reader(line, 6);
  const tables = r.tableList();
  r.expect(' ');
  const action = r.until(':');
  if (!ACTIONS.has(action)) throw r.fail(`unknown action "${action}"`);
  r.expect(':');
  if (action === 'TRUNCATE') return { kind: 'truncate', tables };
  const table = tables[0]!;
  if (tables.length !== 1) throw r.fail(`${action} names ${tables.length} tables`);
  if (!wanted(table)) return { kind: 'other' };
  if (action === 'INSERT') {
    const newTuple = r.tuple();
    if (newTuple === undefined) throw r.fail('INSERT without a tuple');
    return { kind: 'insert', table, newTuple };
  }
  if (action === 'DELETE') {
    const oldKey = r.tuple();
    return oldKey === undefined ? { kind: 'delete', table } : { kind: 'delete', table, oldKey };
  }
  if (r.peek(' old-key:')) {
    r.expect(' old-key:');
    const oldKey = r.tuple();
    r.expect(' new-tuple:');
    const newTuple = r.tuple();
    return { kind: 'update', table, ...(newTuple ? { newTuple } : {}), ...(oldKey ? { oldKey } : {}) };
  }
  const newTuple = r.tuple();
  return newTuple === undefined ? { kind: 'update', table } : { kind: 'update', table, newTuple };
}

class Reader {
  constructor(
    private readonly s: string,
    private i: number,
  ) {}

  fail(problem: string): CaptureDecodeError {
    const shown = this.s.length > 200 ? `${this.s.slice(0, 200)}...` : this.s;
    return new CaptureDecodeError(`Could not read a test_decoding change (${problem} at character ${this.i}): ${shown}`);
  }

  peek(text: string): boolean {
    return this.s.startsWith(text, this.i);
  }

  expect(text: string): void {
    if (!this.peek(text)) throw this.fail(`expected "${text}"`);
    this.i += text.length;
  }

  /** Characters up to (not including) `stop`, which must follow. */
  until(stop: string): string {
    const end = this.s.indexOf(stop, this.i);
    if (end < 0) throw this.fail(`expected "${stop}"`);
    const out = this.s.slice(this.i, end);
    this.i = end;
    return out;
  }

  /** `schema.table[, schema.table...]` followed by `:`. */
  tableList(): TableName[] {
    const out: TableName[] = [];
    for (;;) {
      const schema = this.identifier('.');
      this.expect('.');
      const name = this.identifier(':,');
      out.push({ schema, name });
      if (!this.peek(', ')) break;
      this.i += 2;
    }
    this.expect(':');
    return out;
  }

  /** A quote_identifier'd name: `"..."` with `""` inside, or a bare name ending before one of `stops`. */
  identifier(stops: string): string {
    if (this.s[this.i] === '"') return this.quoted('"');
    const start = this.i;
    while (this.i < this.s.length && !stops.includes(this.s[this.i]!) && this.s[this.i] !== ' ' && this.s[this.i] !== '[') this.i++;
    if (this.i === start) throw this.fail('expected a name');
    return this.s.slice(start, this.i);
  }

  /** A literal in `quote` characters, the quote doubled inside. */
  quoted(quote: string): string {
    this.i++;
    let out = '';
    for (;;) {
      const end = this.s.indexOf(quote, this.i);
      if (end < 0) throw this.fail('unterminated quoted text');
      out += this.s.slice(this.i, end);
      if (this.s[end + 1] === quote) {
        out += quote;
        this.i = end + 2;
        continue;
      }
      this.i = end + 1;
      return out;
    }
  }

  /** ` name[type]:value` repeated; undefined for `(no-tuple-data)`. Stops before ` new-tuple:` or at the end. */
  tuple(): Map<string, Datum> | undefined {
    if (this.peek(' (no-tuple-data)')) {
      this.i += ' (no-tuple-data)'.length;
      return undefined;
    }
    const out = new Map<string, Datum>();
    while (this.i < this.s.length && !this.peek(' new-tuple:')) {
      this.expect(' ');
      const name = this.identifier('');
      this.skipType();
      out.set(name, this.value());
    }
    return out;
  }

  /** `[type]:` where the type may hold brackets and quoted names; it ends at the first `]:` outside quotes. */
  skipType(): void {
    this.expect('[');
    while (this.i < this.s.length) {
      const c = this.s[this.i]!;
      if (c === '"') {
        this.quoted('"');
        continue;
      }
      if (c === ']' && this.s[this.i + 1] === ':') {
        this.i += 2;
        return;
      }
      this.i++;
    }
    throw this.fail('unterminated column type');
  }

  value(): Datum {
    if (this.s[this.i] === "'") return this.quoted("'");
    if (this.peek("B'")) {
      this.i++;
      return this.quoted("'");
    }
    const end = this.s.indexOf(' ', this.i);
    const token = this.s.slice(this.i, end < 0 ? this.s.length : end);
    this.i += token.length;
    if (token === 'null') return null;
    if (token === 'unchanged-toast-datum') return UNCHANGED_TOAST;
    if (token.length === 0) throw this.fail('expected a value');
    return token;
  }
}
