import { createHash } from 'node:crypto';
import { compareText } from '../compare/schema';
import type { DriftDifference } from './types';

/**
 * JSON with object keys in code-point order at every level, so equal values give equal text
 * whatever order their properties were built in. `undefined` properties are left out (as
 * JSON.stringify does); bigints are written as decimal strings.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'bigint') return JSON.stringify(value.toString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => compareText(a, b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** By object, then kind, then the rest (canonical JSON): a total order, so the list is the same every run. */
export function sortDifferences(differences: readonly DriftDifference[]): DriftDifference[] {
  return [...differences].sort(
    (a, b) => compareText(a.object, b.object) || compareText(a.kind, b.kind) || compareText(canonicalJson(a), canonicalJson(b)),
  );
}

/** Kinds whose values move with ordinary writes: a sequence advancing is not a new finding. */
const MOVING_VALUES = new Set(['sequence-behind', 'sequence-exhaustion']);

/** What of a difference the fingerprint covers. */
function fingerprintEntry(d: DriftDifference): unknown {
  if (!MOVING_VALUES.has(d.kind)) return { kind: d.kind, object: d.object, severity: d.severity, source: d.source, target: d.target, detail: d.detail };
  const side = d.source !== null && d.target !== null ? 'both' : d.source !== null ? 'source' : 'target';
  return { kind: d.kind, object: d.object, severity: d.severity, side };
}

/** sha256 (hex) of the canonical JSON of the differences, sorted; see DriftResult.fingerprint. */
export function driftFingerprint(differences: readonly DriftDifference[]): string {
  const entries = differences.map((d) => canonicalJson(fingerprintEntry(d))).sort(compareText);
  return createHash('sha256').update(`[${entries.join(',')}]`).digest('hex');
}
