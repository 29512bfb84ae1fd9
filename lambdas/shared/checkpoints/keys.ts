/**
 * The checkpoint table's key layout (single-table design, see DESIGN.md "Checkpoint table").
 * The CDK construct imports these constants, so this file has no runtime dependencies.
 *
 * | pk                 | sk                                  | item                       |
 * | ------------------ | ----------------------------------- | -------------------------- |
 * | `MIGRATION#<id>`   | `STATE`                             | phase, version, history    |
 * | `MIGRATION#<id>`   | `LOCK`                              | lease and fencing token    |
 * | `RUN#<runId>`      | `STEP#<name>`                       | an idempotent step         |
 * | `RUN#<runId>`      | `SEG#<table>#<n, 10 digits>`        | a comparison segment       |
 * | `MIGRATION#<id>`   | `REPORT#<kind>#<ISO time>#<suffix>` | a report, expires by `ttl` |
 *
 * Free-form parts (`<table>`, `<name>`, `<kind>`) are percent-encoded, so they never contain `#`
 * and a prefix query for one table cannot match another (`a` vs `a#b`, `a%23b` vs `a#b`).
 */

export const PARTITION_KEY = 'pk';
export const SORT_KEY = 'sk';
/** Epoch seconds; DynamoDB deletes the item some time after it passes. */
export const TTL_ATTRIBUTE = 'ttl';

export const STATE_SK = 'STATE';
export const LOCK_SK = 'LOCK';

/** Wide enough for any segment count, so string order is numeric order. */
export const SEGMENT_NUMBER_DIGITS = 10;
const MAX_SEGMENT_NUMBER = 10 ** SEGMENT_NUMBER_DIGITS - 1;

export interface ItemKey {
  readonly [PARTITION_KEY]: string;
  readonly [SORT_KEY]: string;
}

/**
 * `encodeURIComponent` leaves no `#` (it becomes `%23`) and encodes `%` itself (`%25`), so the
 * encoding is injective and separator-free; it also keeps keys readable in the console.
 */
export function encodeKeyPart(value: string): string {
  if (value.length === 0) throw new RangeError('a key part must not be empty');
  return encodeURIComponent(value);
}

export function decodeKeyPart(encoded: string): string {
  return decodeURIComponent(encoded);
}

export const migrationPk = (migrationId: string) => `MIGRATION#${encodeKeyPart(migrationId)}`;
export const runPk = (runId: string) => `RUN#${encodeKeyPart(runId)}`;

export const stateKey = (migrationId: string): ItemKey => ({ pk: migrationPk(migrationId), sk: STATE_SK });
export const lockKey = (migrationId: string): ItemKey => ({ pk: migrationPk(migrationId), sk: LOCK_SK });

export const stepSk = (name: string) => `STEP#${encodeKeyPart(name)}`;
export const stepKey = (runId: string, name: string): ItemKey => ({ pk: runPk(runId), sk: stepSk(name) });

export const segmentPrefix = (table: string) => `SEG#${encodeKeyPart(table)}#`;

export function segmentSk(table: string, n: number): string {
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_SEGMENT_NUMBER) {
    throw new RangeError(`segment number must be an integer from 0 to ${MAX_SEGMENT_NUMBER}, got ${n}`);
  }
  return `${segmentPrefix(table)}${String(n).padStart(SEGMENT_NUMBER_DIGITS, '0')}`;
}

export const segmentKey = (runId: string, table: string, n: number): ItemKey => ({
  pk: runPk(runId),
  sk: segmentSk(table, n),
});

export const reportPrefix = (kind: string) => `REPORT#${encodeKeyPart(kind)}#`;

/**
 * ISO-8601 UTC times sort as strings in time order. The suffix keeps two reports written in the
 * same millisecond from overwriting each other.
 */
export const reportSk = (kind: string, at: Date, suffix: string) =>
  `${reportPrefix(kind)}${at.toISOString()}#${suffix}`;
