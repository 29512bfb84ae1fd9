import type { SchemaSnapshot, SequenceSnapshot, TableSnapshot } from '../compare/schema';
import { nextvalTarget } from './names';
import type { DriftDifference } from './types';

export interface ExhaustionThresholds {
  /** Percent of the range used from which a warning is reported. */
  readonly warnPercent: number;
  /** Percent of the range used from which an error is reported. */
  readonly errorPercent: number;
}

/** How far a sequence has gone towards the end of its range. 64-bit values as decimal strings. */
export interface SequenceUse {
  /** null before the first nextval. */
  readonly lastValue: string | null;
  /** The lowest value it can give: its MINVALUE, or a narrower column type's (descending sequences end here). */
  readonly minValue: string;
  /** The highest: its MAXVALUE, or a narrower column type's (ascending sequences end here). */
  readonly maxValue: string;
  /** Of the range [minValue, maxValue], in the sequence's direction; two decimals, rounded down. */
  readonly percentUsed: number;
  /** The column whose type is narrower than the sequence (`public.t.id integer`), if any. */
  readonly limitedBy: string | null;
}

/** Ranges of the integer types a sequence can feed; other column types (numeric, text) do not limit it. */
const TYPE_RANGES: Readonly<Record<string, readonly [bigint, bigint]>> = {
  smallint: [-32768n, 32767n],
  integer: [-2147483648n, 2147483647n],
  bigint: [-9223372036854775808n, 9223372036854775807n],
};

/**
 * The percentage of the range used, computed with BigInt (bigint sequences go past 2^53).
 * Ascending: (last - min) / (max - min); descending: (max - last) / (max - min). A sequence never
 * called has used the values before its start (usually none). `columns` are the columns it feeds
 * (name and type): an integer column narrower than the sequence ends it sooner.
 */
export function sequenceUse(sequence: SequenceSnapshot, columns: readonly { name: string; type: string }[] = []): SequenceUse {
  let min = BigInt(sequence.min);
  let max = BigInt(sequence.max);
  let limitedBy: string | null = null;
  for (const column of columns) {
    const range = TYPE_RANGES[column.type];
    if (range === undefined) continue;
    if (range[0] > min || range[1] < max) limitedBy ??= `${column.name} ${column.type}`;
    if (range[0] > min) min = range[0];
    if (range[1] < max) max = range[1];
  }
  const increment = BigInt(sequence.increment);
  const ascending = increment > 0n;
  const clamp = (v: bigint) => (v < min ? min : v > max ? max : v);
  const last = clamp(sequence.lastValue === null ? BigInt(sequence.start) - increment : BigInt(sequence.lastValue));
  const span = max - min;
  const used = ascending ? last - min : max - last;
  const hundredths = span <= 0n ? (sequence.lastValue === null ? 0n : 10000n) : (used * 10000n) / span;
  return { lastValue: sequence.lastValue, minValue: min.toString(), maxValue: max.toString(), percentUsed: Number(hundredths) / 100, limitedBy };
}

/**
 * `sequence-exhaustion` findings for one side's snapshot: every sequence in it (the snapshot is
 * already limited to the selection), identity sequences included, cycling ones excepted (they
 * wrap around instead of failing; that is a choice made when creating them).
 */
export function sequenceExhaustion(snapshot: SchemaSnapshot, side: 'source' | 'target', thresholds: ExhaustionThresholds): DriftDifference[] {
  const fed = columnsFedBySequences(snapshot);
  const out: DriftDifference[] = [];
  for (const sequence of snapshot.sequences) {
    if (sequence.cycle) continue;
    const name = `${sequence.schema}.${sequence.name}`;
    const use = sequenceUse(sequence, fed.get(key(sequence.schema, sequence.name)) ?? []);
    const severity = use.percentUsed >= thresholds.errorPercent ? 'error' : use.percentUsed >= thresholds.warnPercent ? 'warning' : undefined;
    if (severity === undefined) continue;
    const value = { lastValue: use.lastValue, minValue: use.minValue, maxValue: use.maxValue, percentUsed: use.percentUsed };
    const ascending = BigInt(sequence.increment) > 0n;
    const end = ascending ? `max ${use.maxValue}` : `min ${use.minValue}, descending`;
    const limit = use.limitedBy === null ? '' : `; column ${use.limitedBy} ends it before the sequence does`;
    out.push({
      kind: 'sequence-exhaustion',
      object: `sequence ${name}`,
      source: side === 'source' ? value : null,
      target: side === 'target' ? value : null,
      severity,
      detail: `on the ${side}: ${use.percentUsed.toFixed(2)}% of its range used (last value ${use.lastValue ?? 'none yet'}, ${end}${limit})`,
    });
  }
  return out;
}

/**
 * Columns each sequence feeds, by key(): the column owning it (serial, identity, OWNED BY)
 * and columns whose default calls nextval on it.
 */
function columnsFedBySequences(snapshot: SchemaSnapshot): Map<string, { name: string; type: string }[]> {
  const fed = new Map<string, { name: string; type: string }[]>();
  const add = (sequence: string, column: { name: string; type: string }) => {
    const list = fed.get(sequence) ?? [];
    if (!list.some((c) => c.name === column.name)) list.push(column);
    fed.set(sequence, list);
  };
  const tables = new Map<string, TableSnapshot>(snapshot.tables.map((t) => [key(t.schema, t.name), t]));
  for (const table of tables.values()) {
    for (const column of table.columns) {
      const called = column.default === null ? undefined : nextvalTarget(column.default);
      if (called !== undefined) add(key(called.schema, called.name), { name: `${table.schema}.${table.name}.${column.name}`, type: column.type });
    }
  }
  for (const sequence of snapshot.sequences) {
    const owner = sequence.ownedBy;
    if (owner === null) continue;
    const column = tables.get(key(owner.schema, owner.table))?.columns.find((c) => c.name === owner.column);
    if (column !== undefined) add(key(sequence.schema, sequence.name), { name: `${owner.schema}.${owner.table}.${owner.column}`, type: column.type });
  }
  return fed;
}

/** Schema and name joined by NUL, which no identifier contains. */
function key(schema: string, name: string): string {
  return `${schema}\u0000${name}`;
}
