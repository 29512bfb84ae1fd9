import type { TableSelection } from '../table-patterns';

/**
 * The schema of one database as plain JSON: no OIDs, nothing that depends on creation order, every
 * list sorted by name (code-point order, not a collation). It is stored as a file and compared with
 * later snapshots for drift, so its shape is versioned: change `formatVersion` with the shape.
 *
 * Definitions are pg_get_* output, normalised (see normalize.ts) and read with an empty
 * search_path, so every name outside pg_catalog is schema-qualified. 64-bit numbers (sequence
 * bounds and values) are decimal strings: JSON numbers lose precision past 2^53.
 */
export interface SchemaSnapshot {
  readonly formatVersion: 1;
  /** `server_version`, e.g. "17.10". */
  readonly serverVersion: string;
  /** `server_version_num`, e.g. 170010. */
  readonly serverVersionNum: number;
  /** The table selection this snapshot was limited to; null for every user table. */
  readonly selection: TableSelection | null;
  readonly tables: readonly TableSnapshot[];
  /** Indexes of tables and materialized views, except those that implement a constraint. */
  readonly indexes: readonly IndexSnapshot[];
  /** User triggers of tables and views (not the internal ones behind foreign keys). */
  readonly triggers: readonly TriggerSnapshot[];
  readonly sequences: readonly SequenceSnapshot[];
  readonly enums: readonly EnumSnapshot[];
  readonly extensions: readonly ExtensionSnapshot[];
  /** Views and materialized views. */
  readonly views: readonly ViewSnapshot[];
}

export const SCHEMA_SNAPSHOT_FORMAT_VERSION = 1;

export interface TableSnapshot {
  readonly schema: string;
  readonly name: string;
  /** In ordinal position order. */
  readonly columns: readonly ColumnSnapshot[];
  /** Primary key, unique, foreign key, check and exclusion constraints, by name. */
  readonly constraints: readonly ConstraintSnapshot[];
}

export interface ColumnSnapshot {
  readonly name: string;
  /** 1-based among the table's live columns (dropped columns leave no gap). */
  readonly position: number;
  /** format_type with typmod: `numeric(12,2)`, `character varying(40)`, `timestamp(3) with time zone`. */
  readonly type: string;
  readonly notNull: boolean;
  /** pg_get_expr of the default; null when none (and for identity and generated columns). */
  readonly default: string | null;
  readonly identity: IdentitySnapshot | null;
  readonly generated: GeneratedSnapshot | null;
  /** Only when it differs from the type's default collation: `C`, `public.de_ci`. */
  readonly collation: string | null;
}

export interface IdentitySnapshot {
  readonly generation: 'always' | 'by default';
  readonly sequence: SequenceOptions;
}

export interface GeneratedSnapshot {
  readonly kind: 'stored' | 'virtual';
  readonly expression: string;
}

export interface SequenceOptions {
  /** `smallint`, `integer` or `bigint`. */
  readonly dataType: string;
  readonly start: string;
  readonly increment: string;
  readonly min: string;
  readonly max: string;
  readonly cache: string;
  readonly cycle: boolean;
}

export type ConstraintType = 'primary key' | 'unique' | 'foreign key' | 'check' | 'exclusion';

export interface ConstraintSnapshot {
  readonly name: string;
  readonly type: ConstraintType;
  /** Normalised pg_get_constraintdef without ` NOT VALID` (that is `validated`). */
  readonly definition: string;
  /** Constrained columns in key order; empty for a check constraint on an expression only. */
  readonly columns: readonly string[];
  /** False for a constraint added NOT VALID and not validated since. */
  readonly validated: boolean;
  readonly deferrable: boolean;
  readonly initiallyDeferred: boolean;
  /** Only for foreign keys. */
  readonly references: ForeignKeyReference | null;
}

export type ForeignKeyAction = 'no action' | 'restrict' | 'cascade' | 'set null' | 'set default';

export interface ForeignKeyReference {
  readonly schema: string;
  readonly table: string;
  readonly columns: readonly string[];
  readonly onUpdate: ForeignKeyAction;
  readonly onDelete: ForeignKeyAction;
  readonly match: 'simple' | 'full' | 'partial';
}

export interface IndexSnapshot {
  readonly schema: string;
  readonly name: string;
  /** The indexed table or materialized view (always in the index's schema). */
  readonly table: string;
  /** Normalised pg_get_indexdef without the index's own name: `CREATE INDEX ON public.t USING btree (a)`. */
  readonly definition: string;
  readonly unique: boolean;
  /** False after a failed CREATE INDEX CONCURRENTLY: the planner does not use it. */
  readonly valid: boolean;
}

export interface TriggerSnapshot {
  readonly schema: string;
  readonly table: string;
  readonly name: string;
  /** Normalised pg_get_triggerdef without the trigger's own name. */
  readonly definition: string;
  /** When it fires (ALTER TABLE ... ENABLE/DISABLE [REPLICA|ALWAYS] TRIGGER). */
  readonly enabled: 'origin' | 'replica' | 'always' | 'disabled';
}

export interface SequenceSnapshot extends SequenceOptions {
  readonly schema: string;
  readonly name: string;
  /** The column that owns it (serial, identity, OWNED BY); dropping the column drops it. */
  readonly ownedBy: ColumnRef | null;
  /** The sequence behind an identity column; its options are compared as the column's identity. */
  readonly identity: boolean;
  /** From pg_sequences: null before the first nextval (or without privilege to read it). */
  readonly lastValue: string | null;
}

export interface ColumnRef {
  readonly schema: string;
  readonly table: string;
  readonly column: string;
}

export interface EnumSnapshot {
  readonly schema: string;
  readonly name: string;
  /** In enumsortorder order, which is the order values compare in. */
  readonly labels: readonly string[];
}

export interface ExtensionSnapshot {
  readonly name: string;
  readonly version: string;
  /** Where its objects live. */
  readonly schema: string;
}

export interface ViewSnapshot {
  readonly schema: string;
  readonly name: string;
  readonly materialized: boolean;
  /** Normalised pg_get_viewdef. */
  readonly definition: string;
}

/** Code-point order: the same on every machine, unlike localeCompare. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorts by the given keys in turn, in code-point order; returns a new array. */
export function sortByKeys<T>(items: readonly T[], ...keys: ((item: T) => string)[]): T[] {
  return [...items].sort((a, b) => {
    for (const key of keys) {
      const order = compareText(key(a), key(b));
      if (order !== 0) return order;
    }
    return 0;
  });
}
