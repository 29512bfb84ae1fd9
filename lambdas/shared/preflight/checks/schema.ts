import type { SchemaDifferenceKind } from '../../compare/schema';
import { readSchemaSides, schemaDifferences } from '../../drift/schema-drift';
import type { DriftDifference } from '../../drift/types';
import type { CheckOutcome, PreflightCheck } from '../check';
import { count, listNames, sentences } from '../text';

/**
 * Left to other checks: extensions (the extensions check, with install advice) and sequence
 * positions (synced at cutover; before the full load the target's are naturally behind).
 */
export const SCHEMA_KINDS_CHECKED_ELSEWHERE: readonly SchemaDifferenceKind[] = ['extension-missing', 'extension-extra', 'extension-version', 'sequence-behind'];

/** A differing value is cut to this many characters in a message (presentation, not a setting). */
const VALUE_CHARS = 120;

function value(v: unknown): string {
  if (v === null || v === undefined) return 'absent';
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return text.length > VALUE_CHARS ? `${text.slice(0, VALUE_CHARS - 1)}…` : text;
}

export function describeDifference(d: DriftDifference): string {
  return `${d.kind} ${d.object} (source: ${value(d.source)}; target: ${value(d.target)})${d.detail ? ` ${d.detail}` : ''}`;
}

export function schemaResult(differences: readonly DriftDifference[]): CheckOutcome {
  if (differences.length === 0) return { severity: 'ok', message: 'The target schema of the selected tables matches the source.', objects: [] };
  const errors = differences.filter((d) => d.severity === 'error');
  const warnings = differences.filter((d) => d.severity === 'warning');
  const infos = differences.filter((d) => d.severity === 'info');
  const objects = [...new Set([...errors, ...warnings, ...infos].map((d) => d.object))];
  if (errors.length > 0) {
    return {
      severity: 'error',
      message: sentences(
        `The target schema differs from the source in ${count(errors.length, 'way')} that would lose or reject data, or break the application: ${listNames(errors.map(describeDifference))}.`,
        warnings.length > 0 && `Also ${count(warnings.length, 'difference')} in behaviour or performance: ${listNames(warnings.map(describeDifference), 5)}.`,
        'Make the target schema match the source (for example restore pg_dump --schema-only of the source on an empty target, or apply the missing schema migrations there), then run preflight again. `ferry compare` lists every difference.',
      ),
      objects,
    };
  }
  if (warnings.length > 0) {
    return {
      severity: 'warning',
      message: sentences(
        `The target schema differs from the source in ${count(warnings.length, 'way')} that change${warnings.length === 1 ? 's' : ''} behaviour or performance (no data is lost): ${listNames(warnings.map(describeDifference))}.`,
        'Align them before cutover if the application depends on them (collations, indexes, constraint names).',
      ),
      objects,
    };
  }
  return {
    severity: 'info',
    message: `The target schema matches the source up to ${count(infos.length, 'cosmetic difference')}: ${listNames(infos.map(describeDifference))}.`,
    objects,
  };
}

/**
 * The same comparison drift runs (lambdas/shared/drift/schema-drift.ts): the compare engine's schema
 * comparison and the surface beside it (functions and procedures, row level security and policies,
 * grants and owners of the tables, their sequences, schemas and functions, partition keys and
 * bounds), without AWS DMS's own control tables.
 */
export const schema: PreflightCheck = {
  id: 'schema',
  title:
    "The target schema of the selected tables equals the source's: tables, columns, keys, indexes, constraints, triggers, sequences, " +
    'enums, views, and functions, row level security and policies, grants, owners and partitioning',
  databases: ['source', 'target'],
  async run(ctx) {
    const sides = await readSchemaSides({ source: ctx.source, target: ctx.target }, ctx.selection);
    return schemaResult(schemaDifferences(sides, SCHEMA_KINDS_CHECKED_ELSEWHERE));
  },
};
