import { diffSchemas, readSchemaSnapshot, type SchemaSnapshot } from '../compare/schema';
import { compileSelection, type TableSelection } from '../compare/table-patterns';
import { canonicalJson } from './fingerprint';
import { nextvalTarget, splitQualifiedName } from './names';
import type { DriftDifference, DriftSides } from './types';

/** Both sides' schemas, limited the same way. */
export interface SchemaSides {
  readonly mode: 'source-target' | 'snapshot-target';
  readonly source: SchemaSnapshot;
  readonly target: SchemaSnapshot;
}

/**
 * Source-target: both databases are read with the selection. Snapshot-target: the target is read
 * with the selection, or the snapshot's own when none is given. A given selection that is not the
 * snapshot's cannot re-read the snapshot, so both sides are then cut down by the same rule
 * (restrictSnapshot) to the tables both selections select: neither side then shows objects the
 * other was not asked for.
 */
export async function readSchemaSides(sides: DriftSides, selection: TableSelection | undefined): Promise<SchemaSides> {
  if (!('snapshot' in sides)) {
    const options = selection === undefined ? {} : { selection };
    const [source, target] = await Promise.all([readSchemaSnapshot(sides.source, options), readSchemaSnapshot(sides.target, options)]);
    return { mode: 'source-target', source, target };
  }
  const stored = sides.snapshot.selection ?? undefined;
  const chosen = selection ?? stored;
  const target = await readSchemaSnapshot(sides.target, chosen === undefined ? {} : { selection: chosen });
  if (selection === undefined || sameSelection(selection, stored)) return { mode: 'snapshot-target', source: sides.snapshot, target };
  const both = [selection, ...(stored === undefined ? [] : [stored])];
  return { mode: 'snapshot-target', source: restrictSnapshot(sides.snapshot, both), target: restrictSnapshot(target, both) };
}

/**
 * The schema comparison's differences, without `sequence-behind` (a value comparison): before
 * cutover the target's sequences are expected to lag (logical replication carries no sequence
 * values; the cutover moves them), and after it they go their own way. Reporting it would keep
 * the drift alarm firing for the whole replication. Nothing else in the comparison depends on
 * values (sequence options and identities are definitions). `ferry compare` still reports it.
 */
export function schemaDrift(sides: SchemaSides): DriftDifference[] {
  return diffSchemas(sides.source, sides.target, { ignore: ['sequence-behind'] });
}

function sameSelection(a: TableSelection, b: TableSelection | undefined): boolean {
  const canonical = (s: TableSelection) => canonicalJson({ include: s.include, exclude: s.exclude ?? [], only: s.only ?? null });
  return b !== undefined && canonical(a) === canonical(b);
}

/**
 * A snapshot limited to the tables every selection selects, with what readSchemaSnapshot keeps
 * for them: their indexes and triggers; views, sequences and enums of their schemas; sequences
 * they own or their defaults call, and enums their columns use (directly or as arrays), wherever
 * these live; every extension. Applied to both sides alike, so what one side keeps, the other does.
 */
export function restrictSnapshot(snapshot: SchemaSnapshot, selections: readonly TableSelection[]): SchemaSnapshot {
  const matchers = selections.map(compileSelection);
  const key = (schema: string, name: string) => `${schema}\u0000${name}`;
  const tables = snapshot.tables.filter((t) => matchers.every((m) => m({ schema: t.schema, name: t.name })));
  const kept = new Set(tables.map((t) => key(t.schema, t.name)));
  const schemas = new Set(tables.map((t) => t.schema));
  const views = snapshot.views.filter((v) => schemas.has(v.schema));
  const relations = new Set([...kept, ...views.map((v) => key(v.schema, v.name))]);
  const calledSequences = new Set<string>();
  const usedTypes = new Set<string>();
  for (const column of tables.flatMap((t) => t.columns)) {
    const called = column.default === null ? undefined : nextvalTarget(column.default);
    if (called !== undefined) calledSequences.add(key(called.schema, called.name));
    const type = splitQualifiedName(column.type.replace(/(\[\])+$/, ''));
    if (type?.length === 2) usedTypes.add(key(type[0]!, type[1]!));
  }
  return {
    ...snapshot,
    tables,
    indexes: snapshot.indexes.filter((i) => relations.has(key(i.schema, i.table))),
    triggers: snapshot.triggers.filter((t) => relations.has(key(t.schema, t.table))),
    sequences: snapshot.sequences.filter(
      (s) =>
        schemas.has(s.schema) ||
        calledSequences.has(key(s.schema, s.name)) ||
        (s.ownedBy !== null && kept.has(key(s.ownedBy.schema, s.ownedBy.table))),
    ),
    enums: snapshot.enums.filter((e) => schemas.has(e.schema) || usedTypes.has(key(e.schema, e.name))),
    views,
  };
}
