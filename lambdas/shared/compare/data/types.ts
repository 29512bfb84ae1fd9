import type { TableName } from '../../pg/identifiers';

/** How a column's values are normalized before hashing (see row-sql.ts). */
export type ValueClass = 'numeric' | 'float' | 'money' | 'plain';

export interface ColumnInfo {
  readonly name: string;
  /** format_type() of the column's declared type, for reports. */
  readonly type: string;
  /** Normalization rule, from the type (a domain's base type decides). */
  readonly valueClass: ValueClass;
  /** Name of the base type (through domains), e.g. `int4`, `numeric`, `_text` for text[]. */
  readonly baseType: string;
  /** Its type's own hash is portable between databases and versions (see row-sql.ts). */
  readonly portableHash: boolean;
  /** An integer type (int2, int4, int8): keys are shown as JSON numbers where that is exact. */
  readonly integer: boolean;
  /** Collation name of a collatable column (it decides the order of text keys). */
  readonly collation?: string;
}

export interface TableInfo extends TableName {
  /** Every column, in ordinal order. */
  readonly columns: readonly ColumnInfo[];
  /** Primary key, or a unique index over NOT NULL columns without expressions or predicate. */
  readonly key?: { readonly columns: readonly string[]; readonly kind: 'primary key' | 'unique index'; readonly name: string };
  /** pg_class.reltuples; -1 when never analyzed. */
  readonly estimatedRows: number;
  /** pg_class.relpages; 0 when never analyzed or vacuumed. */
  readonly estimatedPages: number;
  /** server_version_num of the database it is on. */
  readonly serverVersion: number;
}

/** A key as shown in reports: key column name -> value (text, or a number for integer columns); for a keyless table, the whole row. */
export type KeyObject = Record<string, unknown>;

export interface ChangedRow {
  readonly key: KeyObject;
  /** Columns whose normalized values differ. */
  readonly columns: readonly string[];
}

export type TableStatus = 'equal' | 'different' | 'warning';

/** The comparison of one table. Lists are capped at maxKeys; the totals are exact. */
export interface TableComparison {
  readonly table: string;
  /** Rows in the source table (compared rows). */
  readonly rows: number;
  readonly targetRows: number;
  readonly status: TableStatus;
  readonly missing: readonly KeyObject[];
  readonly extra: readonly KeyObject[];
  readonly changed: readonly ChangedRow[];
  readonly missingTotal: number;
  readonly extraTotal: number;
  readonly changedTotal: number;
  /** Differences seen once but gone at the re-check (rows in flight during replication). */
  readonly transient: number;
  readonly warnings: readonly string[];
  readonly durationMs: number;
  /**
   * Only with `segmentSample`: how many of the planned segments were compared. The row counts and
   * the differences are then those of the compared segments only. A table without a usable key has
   * no segments and is compared whole: `{segments: 1, of: 1}`.
   */
  readonly sampled?: { readonly segments: number; readonly of: number };
}

export interface DataComparison {
  readonly tables: readonly TableComparison[];
  /** False when the time budget ran out; call again with the same run id to continue. */
  readonly complete: boolean;
  /** Tables still to do when incomplete. */
  readonly pending: readonly string[];
}

export interface CompareProgress {
  readonly table: string;
  readonly segmentsDone: number;
  readonly segmentsTotal: number;
  readonly rowsDone: number;
}
