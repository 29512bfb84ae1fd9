import type { ColumnInfo } from '../compare/data/types';
import { displayName, type TableName } from '../pg/identifiers';
import { relationKey, type CaptureCatalog, type CapturedRelation } from './tables';
import { parseTestDecoding, UNCHANGED_TOAST, type Tuple } from './test-decoding';

/**
 * The keys that changed, per compared table, from a run of decoded change lines: what a round
 * must verify. Inserts give their new key, updates their new key and (when the key changed) their
 * old one, deletes their old key. A TRUNCATE, or a change whose key the line does not hold (see
 * tables.ts), puts the whole table on the list of tables to compare whole. Tables outside the
 * selection are skipped without reading their columns.
 */
export class ChangeSet {
  /** Display name -> key JSON -> key values (text, key-column order). */
  readonly keys = new Map<string, Map<string, readonly string[]>>();
  /** Display name -> why only a whole comparison can verify it. */
  readonly wholeTables = new Map<string, string>();
  /** Row changes of selected tables read (a change of several keys counts once). */
  changes = 0;

  constructor(private readonly catalog: CaptureCatalog) {}

  /** Adds one line of test_decoding output. */
  add(line: string): void {
    const change = parseTestDecoding(line, (t) => this.catalog.relations.has(relationKey(t)));
    if (change.kind === 'other') return;
    if (change.kind === 'truncate') {
      for (const t of change.tables) {
        const relation = this.catalog.relations.get(relationKey(t));
        if (relation) this.whole(relation.table, `TRUNCATE of ${displayName(t)}`);
      }
      this.changes++;
      return;
    }
    const relation = this.catalog.relations.get(relationKey(change.table))!;
    this.changes++;
    if (relation.key.length === 0) {
      this.whole(relation.table, 'no key to verify changed rows by (compared as a multiset of rows)');
      return;
    }
    if (change.kind === 'insert') {
      this.keyFrom(relation, change.newTuple, 'insert');
      return;
    }
    if (change.kind === 'update') {
      if (change.oldKey !== undefined) this.keyFrom(relation, change.oldKey, 'old key of an update');
      else if (!relation.traceable) {
        this.whole(relation.table, 'an UPDATE whose old key the replica identity does not show (the identity does not cover the comparison key)');
        return;
      }
      if (change.newTuple === undefined) this.whole(relation.table, 'an UPDATE without its new row');
      else this.keyFrom(relation, change.newTuple, 'update');
      return;
    }
    if (change.oldKey === undefined) {
      this.whole(relation.table, 'a DELETE without its key (replica identity NOTHING, or none that covers the comparison key)');
      return;
    }
    this.keyFrom(relation, change.oldKey, 'delete');
  }

  /** Adds every key of `other` (the other side's changes, or carried keys). */
  merge(other: ChangeSet): void {
    for (const [table, keys] of other.keys) for (const [id, key] of keys) this.addKey(table, id, key);
    for (const [table, why] of other.wholeTables) if (!this.wholeTables.has(table)) this.wholeTables.set(table, why);
  }

  addKey(table: string, id: string, key: readonly string[]): void {
    let keys = this.keys.get(table);
    if (!keys) {
      keys = new Map();
      this.keys.set(table, keys);
    }
    keys.set(id, key);
  }

  /** Keys to verify, not counting tables compared whole. */
  keyCount(): number {
    let n = 0;
    for (const [table, keys] of this.keys) if (!this.wholeTables.has(table)) n += keys.size;
    return n;
  }

  has(table: string, key: readonly string[]): boolean {
    return this.wholeTables.has(table) || (this.keys.get(table)?.has(JSON.stringify(key)) ?? false);
  }

  private keyFrom(relation: CapturedRelation, tuple: Tuple, what: string): void {
    const values: string[] = [];
    for (const column of relation.key) {
      const value = tuple.get(column.name);
      const normalized = typeof value === 'string' ? normalizeKeyText(value, column) : undefined;
      if (normalized === undefined) {
        const why = value === UNCHANGED_TOAST ? 'is an unchanged TOASTed value' : value === null ? 'is NULL' : typeof value === 'string' ? 'has no comparable text form' : 'is missing';
        this.whole(relation.table, `key column ${column.name} of an ${what} ${why} in the change record`);
        return;
      }
      values.push(normalized);
    }
    this.addKey(displayName(relation.table), JSON.stringify(values), values);
  }

  private whole(table: TableName, why: string): void {
    const name = displayName(table);
    if (!this.wholeTables.has(name)) this.wholeTables.set(name, why);
  }
}

/**
 * A key value as test_decoding wrote it, in the form the comparison's key SQL gives
 * (row-sql.ts `keySelectSql` under the normalized session settings), so that keys from both
 * sources match: numeric without trailing zeros (trim_scale), float -0 as 0; everything else is
 * the type's own output in both (the capture session has the same settings). Money's output
 * depends on the locale: such a key cannot be matched, so undefined.
 */
export function normalizeKeyText(text: string, column: ColumnInfo): string | undefined {
  switch (column.valueClass) {
    case 'numeric':
      return /^-?\d+\.\d*$/.test(text) ? text.replace(/\.?0+$/, '').replace(/^-0$/, '0') : text;
    case 'float':
      return /^-?0(\.0*)?(e[+-]?\d+)?$/i.test(text) ? '0' : text;
    case 'money':
      return undefined;
    case 'plain':
      return text;
  }
}
