import { relationKey } from './catalog';
import type { SchemaDifference } from './kinds';
import { pairItems } from './pairing';
import type { ColumnRef, ColumnSnapshot, IndexSnapshot, SchemaSnapshot, SequenceSnapshot, TriggerSnapshot, ViewSnapshot } from './snapshot';

type Emit = (difference: SchemaDifference) => void;

/** Tables and materialized views of a snapshot, by relationKey. */
function relations(snapshot: SchemaSnapshot): Set<string> {
  return new Set([...snapshot.tables, ...snapshot.views].map((r) => relationKey(r.schema, r.name)));
}

/** Indexes and triggers on a relation that is missing on the other side are the relation's business. */
export function diffIndexes(source: SchemaSnapshot, target: SchemaSnapshot, emit: Emit): void {
  const [inSource, inTarget] = [relations(source), relations(target)];
  const pairs = pairItems(source.indexes, target.indexes, {
    key: (i) => relationKey(i.schema, i.name),
    shape: (i) => i.definition,
    scope: (i) => relationKey(i.schema, i.table),
  });
  const object = (i: IndexSnapshot) => `index ${i.schema}.${i.name}`;
  const describe = (i: IndexSnapshot) => (i.valid ? i.definition : `${i.definition} (invalid)`);
  const severity = (...indexes: IndexSnapshot[]) => (indexes.some((i) => i.unique) ? 'error' : 'warning');
  for (const i of pairs.missing.filter((i) => inTarget.has(relationKey(i.schema, i.table)))) {
    emit({ kind: 'index-missing', object: object(i), source: describe(i), target: null, severity: severity(i) });
  }
  for (const i of pairs.extra.filter((i) => inSource.has(relationKey(i.schema, i.table)))) {
    emit({ kind: 'index-extra', object: object(i), source: null, target: describe(i), severity: severity(i) });
  }
  for (const [s, t] of [...pairs.changed, ...pairs.same.filter(([s, t]) => s.valid !== t.valid)]) {
    emit({ kind: 'index-definition', object: object(s), source: describe(s), target: describe(t), severity: severity(s, t) });
  }
  for (const [s, t] of pairs.renamed) {
    // `orders_total_idx` vs `orders_total_idx1`: PostgreSQL's pick depends on creation order only.
    if (s.name.replace(/\d+$/, '') === t.name.replace(/\d+$/, '')) continue;
    emit({ kind: 'index-renamed', object: object(s), source: s.name, target: t.name, severity: 'info' });
  }
}

export function diffTriggers(source: SchemaSnapshot, target: SchemaSnapshot, emit: Emit): void {
  const [inSource, inTarget] = [relations(source), relations(target)];
  const views = (s: SchemaSnapshot) => s.views.filter((v) => !v.materialized).map((v) => relationKey(v.schema, v.name));
  views(source).forEach((key) => inSource.add(key));
  views(target).forEach((key) => inTarget.add(key));
  const describe = (t: TriggerSnapshot) => (t.enabled === 'origin' ? t.definition : `${t.definition} (${t.enabled === 'disabled' ? 'disabled' : `enabled ${t.enabled}`})`);
  const pairs = pairItems(source.triggers, target.triggers, {
    key: (t) => `${relationKey(t.schema, t.table)}\u0000${t.name}`,
    shape: describe,
  });
  const object = (t: TriggerSnapshot) => `trigger ${t.schema}.${t.table}.${t.name}`;
  for (const t of pairs.missing.filter((t) => inTarget.has(relationKey(t.schema, t.table)))) {
    emit({ kind: 'trigger-missing', object: object(t), source: describe(t), target: null, severity: 'error' });
  }
  for (const t of pairs.extra.filter((t) => inSource.has(relationKey(t.schema, t.table)))) {
    emit({ kind: 'trigger-extra', object: object(t), source: null, target: describe(t), severity: 'error' });
  }
  for (const [s, t] of pairs.changed) {
    emit({ kind: 'trigger-definition', object: object(s), source: describe(s), target: describe(t), severity: 'error' });
  }
}

export function diffSequences(source: SchemaSnapshot, target: SchemaSnapshot, emit: Emit): void {
  const pairs = pairItems(source.sequences, target.sequences, { key: (s) => relationKey(s.schema, s.name), shape: () => '' });
  const object = (s: SequenceSnapshot) => `sequence ${s.schema}.${s.name}`;
  // An owned sequence comes and goes with its column: a missing column or identity is reported there.
  const explainedByColumn = (s: SequenceSnapshot, other: SchemaSnapshot) => {
    if (s.ownedBy === null) return false;
    const column = findColumn(other, s.ownedBy);
    return column === undefined || (s.identity && column.identity === null);
  };
  for (const s of pairs.missing.filter((s) => !explainedByColumn(s, target))) {
    emit({ kind: 'sequence-missing', object: object(s), source: sequenceOptions(s), target: null, severity: 'error' });
  }
  for (const s of pairs.extra.filter((s) => !explainedByColumn(s, source))) {
    emit({ kind: 'sequence-extra', object: object(s), source: null, target: sequenceOptions(s), severity: 'info' });
  }
  for (const [s, t] of pairs.same) {
    const [a, b] = [sequenceOptions(s), sequenceOptions(t)];
    if (!s.identity && JSON.stringify(a) !== JSON.stringify(b)) {
      const minor = JSON.stringify({ ...a, cache: '', ownedBy: null }) === JSON.stringify({ ...b, cache: '', ownedBy: null });
      emit({ kind: 'sequence-definition', object: object(s), source: a, target: b, severity: minor ? 'warning' : 'error' });
    }
    const trail = behind(s, t);
    if (trail !== undefined) {
      emit({ kind: 'sequence-behind', object: object(s), source: s.lastValue, target: t.lastValue, severity: 'warning', detail: trail });
    }
  }
}

function findColumn(snapshot: SchemaSnapshot, ref: ColumnRef): ColumnSnapshot | undefined {
  return snapshot.tables.find((t) => t.schema === ref.schema && t.name === ref.table)?.columns.find((c) => c.name === ref.column);
}

function sequenceOptions(s: SequenceSnapshot) {
  const owner = s.ownedBy === null ? null : `${s.ownedBy.schema}.${s.ownedBy.table}.${s.ownedBy.column}`;
  return { dataType: s.dataType, start: s.start, increment: s.increment, min: s.min, max: s.max, cache: s.cache, cycle: s.cycle, ownedBy: owner };
}

/** How far the target's next value trails the source's, in the source's direction; undefined if it does not. */
function behind(source: SequenceSnapshot, target: SequenceSnapshot): string | undefined {
  const next = (s: SequenceSnapshot) => (s.lastValue === null ? BigInt(s.start) : BigInt(s.lastValue) + BigInt(s.increment));
  const ascending = BigInt(source.increment) > 0n;
  const gap = ascending ? next(source) - next(target) : next(target) - next(source);
  if (gap <= 0n) return undefined;
  return `the target's next value ${next(target)} trails the source's ${next(source)} by ${gap}`;
}

export function diffEnums(source: SchemaSnapshot, target: SchemaSnapshot, emit: Emit): void {
  const pairs = pairItems(source.enums, target.enums, { key: (e) => relationKey(e.schema, e.name), shape: (e) => JSON.stringify(e.labels) });
  const object = (e: { schema: string; name: string }) => `enum ${e.schema}.${e.name}`;
  for (const e of pairs.missing) emit({ kind: 'enum-missing', object: object(e), source: e.labels, target: null, severity: 'error' });
  for (const e of pairs.extra) emit({ kind: 'enum-extra', object: object(e), source: null, target: e.labels, severity: 'info' });
  for (const [s, t] of pairs.changed) emit({ kind: 'enum-labels', object: object(s), source: s.labels, target: t.labels, severity: 'error' });
}

/** Extensions by name; the schema they were installed in shows up in the types and functions using it. */
export function diffExtensions(source: SchemaSnapshot, target: SchemaSnapshot, emit: Emit): void {
  const pairs = pairItems(source.extensions, target.extensions, { key: (e) => e.name, shape: (e) => e.version });
  const object = (e: { name: string }) => `extension ${e.name}`;
  for (const e of pairs.missing) emit({ kind: 'extension-missing', object: object(e), source: e.version, target: null, severity: 'error' });
  for (const e of pairs.extra) emit({ kind: 'extension-extra', object: object(e), source: null, target: e.version, severity: 'info' });
  for (const [s, t] of pairs.changed) emit({ kind: 'extension-version', object: object(s), source: s.version, target: t.version, severity: 'warning' });
}

export function diffViews(source: SchemaSnapshot, target: SchemaSnapshot, emit: Emit): void {
  const kind = (v: ViewSnapshot) => (v.materialized ? 'materialized view' : 'view');
  const pairs = pairItems(source.views, target.views, { key: (v) => relationKey(v.schema, v.name), shape: (v) => `${kind(v)}\u0000${v.definition}` });
  const object = (v: ViewSnapshot) => `${kind(v)} ${v.schema}.${v.name}`;
  for (const v of pairs.missing) emit({ kind: 'view-missing', object: object(v), source: v.definition, target: null, severity: 'error' });
  for (const v of pairs.extra) emit({ kind: 'view-extra', object: object(v), source: null, target: v.definition, severity: 'info' });
  for (const [s, t] of pairs.changed) {
    const [a, b] = s.materialized === t.materialized ? [s.definition, t.definition] : [kind(s), kind(t)];
    emit({ kind: 'view-definition', object: object(s), source: a, target: b, severity: 'error' });
  }
}
