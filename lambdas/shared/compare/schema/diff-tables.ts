import { relationKey } from './catalog';
import type { SchemaDifference, SchemaDifferenceKind, Severity } from './kinds';
import { pairItems } from './pairing';
import type { ColumnSnapshot, ConstraintSnapshot, ConstraintType, TableSnapshot } from './snapshot';

type Emit = (difference: SchemaDifference) => void;

/** Tables, their columns and their constraints. Nothing inside a missing or extra table is reported again. */
export function diffTables(source: readonly TableSnapshot[], target: readonly TableSnapshot[], emit: Emit): void {
  const tables = pairItems(source, target, { key: (t) => relationKey(t.schema, t.name), shape: () => '' });
  for (const table of tables.missing) {
    emit({ kind: 'table-missing', object: tableObject(table), source: table.columns.map(describeColumn), target: null, severity: 'error' });
  }
  for (const table of tables.extra) {
    emit({ kind: 'table-extra', object: tableObject(table), source: null, target: table.columns.map(describeColumn), severity: 'warning' });
  }
  for (const [a, b] of tables.same) {
    diffColumns(a, b, emit);
    diffConstraints(a, b, emit);
  }
}

function tableObject(table: TableSnapshot): string {
  return `table ${table.schema}.${table.name}`;
}

/** `numeric(12,2) NOT NULL DEFAULT 0`: a column as it would be declared. */
export function describeColumn(column: ColumnSnapshot): string {
  return [
    `${column.name} ${column.type}`,
    column.collation === null ? '' : ` COLLATE ${column.collation}`,
    column.notNull ? ' NOT NULL' : '',
    column.default === null ? '' : ` DEFAULT ${column.default}`,
    column.identity === null ? '' : ` GENERATED ${column.identity.generation.toUpperCase()} AS IDENTITY`,
    column.generated === null ? '' : ` ${describeGenerated(column)}`,
  ].join('');
}

function describeGenerated(column: ColumnSnapshot): string | null {
  const generated = column.generated;
  return generated === null ? null : `GENERATED ALWAYS AS (${generated.expression}) ${generated.kind.toUpperCase()}`;
}

function diffColumns(a: TableSnapshot, b: TableSnapshot, emit: Emit): void {
  const columns = pairItems(a.columns, b.columns, { key: (c) => c.name, shape: () => '' });
  const object = (c: ColumnSnapshot) => `${a.schema}.${a.name}.${c.name}`;
  for (const c of columns.missing) emit({ kind: 'column-missing', object: object(c), source: describeColumn(c), target: null, severity: 'error' });
  for (const c of columns.extra) {
    // An insert that does not name the column fails only if nothing fills it in.
    const rejectsInserts = c.notNull && c.default === null && c.identity === null && c.generated === null;
    emit({ kind: 'column-extra', object: object(c), source: null, target: describeColumn(c), severity: rejectsInserts ? 'error' : 'warning' });
  }
  // Positions are compared among the columns both sides have, so one missing column does not
  // make every later one "moved"; the values reported are the real positions.
  const rank = (side: 0 | 1) =>
    new Map(
      columns.same
        .map((pair) => pair[side])
        .sort((x, y) => x.position - y.position)
        .map((c, i) => [c.name, i]),
    );
  const [rankInSource, rankInTarget] = [rank(0), rank(1)];
  for (const [s, t] of columns.same) {
    const differ = (kind: SchemaDifferenceKind, severity: Severity, sv: unknown, tv: unknown) => {
      if (JSON.stringify(sv) !== JSON.stringify(tv)) emit({ kind, object: object(s), source: sv, target: tv, severity });
    };
    const nullability = (c: ColumnSnapshot) => (c.notNull ? 'not null' : 'nullable');
    differ('column-type', 'error', s.type, t.type);
    differ('column-nullable', t.notNull ? 'error' : 'warning', nullability(s), nullability(t));
    differ('column-default', 'error', s.default, t.default);
    differ('column-identity', 'error', s.identity, t.identity);
    differ('column-generated', 'error', describeGenerated(s), describeGenerated(t));
    differ('column-collation', 'warning', s.collation, t.collation);
    if (rankInSource.get(s.name) !== rankInTarget.get(t.name)) {
      emit({ kind: 'column-position', object: object(s), source: s.position, target: t.position, severity: 'info' });
    }
  }
}

const FAMILIES: Record<Exclude<ConstraintType, 'primary key'>, string> = {
  unique: 'unique-constraint',
  'foreign key': 'foreign-key',
  check: 'check-constraint',
  exclusion: 'exclusion-constraint',
};

/** `CHECK (qty < 100) NOT VALID`: the constraint as it would be added. */
function describeConstraint(c: ConstraintSnapshot | undefined): string | null {
  if (c === undefined) return null;
  return c.validated ? c.definition : `${c.definition} NOT VALID`;
}

function diffConstraints(a: TableSnapshot, b: TableSnapshot, emit: Emit): void {
  const object = (c: ConstraintSnapshot) => `constraint ${a.schema}.${a.name}.${c.name}`;
  const shape = (c: ConstraintSnapshot) => `${c.type}\u0000${c.definition}`;

  // One primary key per table at most: compared whatever their names.
  const pkA = a.constraints.find((c) => c.type === 'primary key');
  const pkB = b.constraints.find((c) => c.type === 'primary key');
  if ((pkA || pkB) && (pkA === undefined || pkB === undefined || shape(pkA) !== shape(pkB))) {
    emit({ kind: 'primary-key', object: object((pkA ?? pkB) as ConstraintSnapshot), source: describeConstraint(pkA), target: describeConstraint(pkB), severity: 'error' });
  } else if (pkA && pkB && pkA.name !== pkB.name) {
    emit({ kind: 'constraint-renamed', object: object(pkA), source: pkA.name, target: pkB.name, severity: 'warning' });
  }

  const others = (t: TableSnapshot) => t.constraints.filter((c) => c.type !== 'primary key');
  const pairs = pairItems(others(a), others(b), { key: (c) => c.name, shape, scope: () => '' });
  const kind = (c: ConstraintSnapshot, what: 'missing' | 'extra' | 'definition') =>
    `${FAMILIES[c.type as keyof typeof FAMILIES]}-${what}` as SchemaDifferenceKind;
  for (const c of pairs.missing) emit({ kind: kind(c, 'missing'), object: object(c), source: describeConstraint(c), target: null, severity: 'error' });
  for (const c of pairs.extra) emit({ kind: kind(c, 'extra'), object: object(c), source: null, target: describeConstraint(c), severity: 'error' });
  for (const [s, t] of pairs.changed) {
    emit({ kind: kind(s, 'definition'), object: object(s), source: describeConstraint(s), target: describeConstraint(t), severity: 'error' });
  }
  for (const [s, t] of pairs.same) {
    if (s.validated !== t.validated) {
      emit({ kind: kind(s, 'definition'), object: object(s), source: describeConstraint(s), target: describeConstraint(t), severity: 'warning' });
    }
  }
  for (const [s, t] of pairs.renamed) {
    emit({ kind: 'constraint-renamed', object: object(s), source: s.name, target: t.name, severity: 'warning' });
  }
}
