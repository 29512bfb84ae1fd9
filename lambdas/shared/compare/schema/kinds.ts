/**
 * The kinds of schema difference, `<object>-<what>`. "missing" is in the source and not in the
 * target, "extra" in the target only.
 *
 * Severity rule: error = data could be lost or rejected, or the application would break;
 * warning = performance or behaviour differs; info = cosmetic. Per kind (and the values reported):
 *
 * - table-missing: error (nowhere to put the data). table-extra: warning (unexpected, harmless by itself).
 *   Values: the table's columns as `name type ...`.
 * - column-missing: error. column-extra: error when it is NOT NULL without a default, identity or
 *   generation (every insert that omits it is rejected), else warning. Values: `type NOT NULL DEFAULT ...`.
 * - column-type: error (values may not fit, or compare differently).
 * - column-nullable: error when only the target is NOT NULL (rows with NULL are rejected), warning
 *   when only the source is (the target accepts more). Values: 'nullable' / 'not null'.
 * - column-default, column-identity, column-generated: error (inserts get other values, or fail).
 * - column-collation: warning (sorting, comparison and index use differ).
 * - column-position: info (ordinal position; only `SELECT *` and positional INSERT notice). Compared
 *   by order among the columns both sides have, so a missing column does not move the others.
 * - primary-key: error (missing, extra or different: duplicates accepted or rows rejected, and
 *   logical replication needs it to apply updates). Values: the definitions.
 * - unique-constraint-, foreign-key-, check-constraint-, exclusion-constraint- -missing / -extra /
 *   -definition: error (rows the other side accepts are rejected, or rows it rejects are accepted);
 *   -definition is a warning when only NOT VALID differs (existing rows unchecked, new rows checked
 *   the same). Values: the definitions, with ` NOT VALID` when not validated.
 * - constraint-renamed: warning (same definition, other name: ON CONFLICT ON CONSTRAINT, error
 *   handling by constraint name and later migrations that ALTER or DROP it by name behave
 *   differently). Constraint names matter, so constraints are matched by name first. Values: names.
 * - index-missing / -extra / -definition: warning (performance), error when either index is unique
 *   (it is then a constraint). An index that is not valid (failed CREATE INDEX CONCURRENTLY) differs
 *   in definition. Values: the definitions, with ` (invalid)` when not valid.
 * - index-renamed: info (same table and definition, other name). Names that differ only in the
 *   number PostgreSQL appends to avoid a clash (`orders_total_idx` / `orders_total_idx1`) depend on
 *   creation order and are not reported at all. Values: names.
 * - trigger-missing / -extra / -definition: error (a trigger changes or rejects what is written;
 *   a disabled or replica-only one does not fire). Values: definitions with their enabled state.
 * - sequence-missing: error (defaults calling nextval fail). sequence-extra: info.
 *   sequence-definition: error (other values are generated or it runs out), warning when only the
 *   cache or the owning column differ. Identity sequences are compared as their column's identity,
 *   and an owned sequence whose column is missing is not reported again. Values: the options
 *   (data type, start, increment, min, max, cache, cycle, owned by).
 * - sequence-behind: warning (sequences are synced at cutover; until then new target rows would
 *   collide). Values: last_value on each side; `detail` says by how much.
 * - enum-missing: error. enum-extra: info. enum-labels: error (values rejected, or order differs).
 *   Values: the labels in order.
 * - extension-missing: error. extension-extra: info. extension-version: warning. Values: versions.
 * - view-missing: error. view-extra: info. view-definition: error (other results); materialized
 *   views are views here, named `materialized view ...`. Values: the definitions (or 'view' /
 *   'materialized view' when that is what differs).
 */
export const SCHEMA_DIFFERENCE_KINDS = [
  'table-missing',
  'table-extra',
  'column-missing',
  'column-extra',
  'column-type',
  'column-nullable',
  'column-default',
  'column-identity',
  'column-generated',
  'column-collation',
  'column-position',
  'primary-key',
  'unique-constraint-missing',
  'unique-constraint-extra',
  'unique-constraint-definition',
  'foreign-key-missing',
  'foreign-key-extra',
  'foreign-key-definition',
  'check-constraint-missing',
  'check-constraint-extra',
  'check-constraint-definition',
  'exclusion-constraint-missing',
  'exclusion-constraint-extra',
  'exclusion-constraint-definition',
  'constraint-renamed',
  'index-missing',
  'index-extra',
  'index-definition',
  'index-renamed',
  'trigger-missing',
  'trigger-extra',
  'trigger-definition',
  'sequence-missing',
  'sequence-extra',
  'sequence-definition',
  'sequence-behind',
  'enum-missing',
  'enum-extra',
  'enum-labels',
  'extension-missing',
  'extension-extra',
  'extension-version',
  'view-missing',
  'view-extra',
  'view-definition',
] as const;

export type SchemaDifferenceKind = (typeof SCHEMA_DIFFERENCE_KINDS)[number];

export type Severity = 'error' | 'warning' | 'info';

export interface SchemaDifference {
  readonly kind: SchemaDifferenceKind;
  /** A human name: `public.orders.total` for a column, else the object's kind and name: `table public.orders`, `index public.orders_customer_idx`, `constraint public.orders.orders_pkey`. */
  readonly object: string;
  /** The value on the source side; null when absent there. */
  readonly source: unknown;
  /** The value on the target side; null when absent there. */
  readonly target: unknown;
  readonly severity: Severity;
  /** A sentence for the few kinds where the values alone do not say it (sequence-behind). */
  readonly detail?: string;
}
