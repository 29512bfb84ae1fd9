import { diffEnums, diffExtensions, diffIndexes, diffSequences, diffTriggers, diffViews } from './diff-objects';
import { diffTables } from './diff-tables';
import type { SchemaDifference, SchemaDifferenceKind } from './kinds';
import { compareText, SCHEMA_SNAPSHOT_FORMAT_VERSION, type SchemaSnapshot } from './snapshot';

export interface DiffSchemasOptions {
  /** Kinds to leave out, e.g. `sequence-behind` before sequences are synced. @default none */
  readonly ignore?: readonly SchemaDifferenceKind[];
}

/**
 * Every difference between two snapshots (see kinds.ts for the kinds and their severities), sorted
 * by object, then kind. Objects are matched by name; the comparison does not depend on creation
 * order, OIDs, or cosmetic differences in how PostgreSQL versions print definitions.
 */
export function diffSchemas(source: SchemaSnapshot, target: SchemaSnapshot, options: DiffSchemasOptions = {}): SchemaDifference[] {
  for (const [side, snapshot] of [['source', source], ['target', target]] as const) {
    // A stored snapshot of another format would compare as nonsense rather than fail.
    if (snapshot.formatVersion !== SCHEMA_SNAPSHOT_FORMAT_VERSION) {
      throw new RangeError(`the ${side} schema snapshot has format ${String(snapshot.formatVersion)}; this version of Ferry reads format ${SCHEMA_SNAPSHOT_FORMAT_VERSION}`);
    }
  }
  const differences: SchemaDifference[] = [];
  const emit = (difference: SchemaDifference) => differences.push(difference);
  diffTables(source.tables, target.tables, emit);
  diffIndexes(source, target, emit);
  diffTriggers(source, target, emit);
  diffSequences(source, target, emit);
  diffEnums(source, target, emit);
  diffExtensions(source, target, emit);
  diffViews(source, target, emit);
  const ignored = new Set(options.ignore ?? []);
  return differences
    .filter((d) => !ignored.has(d.kind))
    .sort((a, b) => compareText(a.object, b.object) || compareText(a.kind, b.kind) || compareText(JSON.stringify(a), JSON.stringify(b)));
}
