import { dataDrift, snapshotCoverage } from './data-drift';
import { driftFingerprint, sortDifferences } from './fingerprint';
import { readSchemaSides, schemaDrift } from './schema-drift';
import { sequenceExhaustion } from './sequence-exhaustion';
import { CONFIG_DEFAULTS } from '../migration-config';
import type { DriftDataCoverage, DriftDifference, DriftOptions, DriftResult, DriftSides } from './types';

/** The defaults of DriftOptions, in one place; `data` is the config's `drift.data` default. */
export const DRIFT_DEFAULTS = {
  data: CONFIG_DEFAULTS.drift.data,
  sampleSegments: 4,
  exhaustionWarnPercent: 80,
  exhaustionErrorPercent: 95,
  settleMs: 0,
} as const satisfies DriftOptions;

/**
 * What has drifted: before cutover between the source and the target, after it between the
 * schema snapshot stored at cutover and the target. Three parts, each in its own file:
 * - the schema comparison's differences and the surface's (functions, row level security and
 *   policies, grants, owners, partitioning) (schema-drift.ts), without `sequence-behind` (expected
 *   until the cutover moves the sequences) and without AWS DMS's own tables (dms.ts);
 * - `sequence-exhaustion` for the sequences in scope on the target, and on the source when there
 *   is one (sequence-exhaustion.ts);
 * - with `data`, the rows of the tables both sides have (data-drift.ts), only in source-target
 *   mode: a snapshot holds no rows, so in snapshot mode `data.compared` is false and a note says
 *   why (not an error, and not a difference: it would be in every result and mean nothing).
 * The differences are sorted (object, then kind) and fingerprinted (fingerprint.ts).
 */
export async function detectDrift(sides: DriftSides, options: DriftOptions = {}): Promise<DriftResult> {
  const settings = resolveOptions(options);
  const schema = await readSchemaSides(sides, options.selection);
  const schemaDifferences = schemaDrift(schema);

  const thresholds = { warnPercent: settings.exhaustionWarnPercent, errorPercent: settings.exhaustionErrorPercent };
  const sequenceDifferences = [
    ...(schema.mode === 'source-target' ? sequenceExhaustion(schema.source, 'source', thresholds) : []),
    ...sequenceExhaustion(schema.target, 'target', thresholds),
  ];

  let dataDifferences: DriftDifference[] = [];
  let incomplete: string[] = [];
  let coverage: DriftDataCoverage | undefined;
  if (settings.data !== 'none') {
    if ('snapshot' in sides) coverage = snapshotCoverage(settings.data);
    else {
      const found = await dataDrift(sides.source, sides.target, schema, {
        mode: settings.data,
        selection: options.selection,
        sampleSegments: settings.sampleSegments,
        settleMs: settings.settleMs,
        ...(options.deadline !== undefined ? { deadline: options.deadline } : {}),
      });
      ({ differences: dataDifferences, incomplete, coverage } = found);
    }
  }

  const differences = sortDifferences([...schemaDifferences, ...sequenceDifferences, ...dataDifferences]);
  const byKind: Record<string, number> = {};
  for (const d of differences) byKind[d.kind] = (byKind[d.kind] ?? 0) + 1;
  return {
    mode: schema.mode,
    differences,
    counts: { schema: schemaDifferences.length, data: dataDifferences.length, sequences: sequenceDifferences.length, byKind },
    incomplete,
    fingerprint: driftFingerprint(differences),
    ...(coverage !== undefined ? { data: coverage } : {}),
    ...(schema.notes.length > 0 ? { notes: [...schema.notes] } : {}),
  };
}

/** The options with their defaults, checked: a mistake here would silently check less. */
function resolveOptions(options: DriftOptions) {
  const settings = {
    data: options.data ?? DRIFT_DEFAULTS.data,
    sampleSegments: options.sampleSegments ?? DRIFT_DEFAULTS.sampleSegments,
    exhaustionWarnPercent: options.exhaustionWarnPercent ?? DRIFT_DEFAULTS.exhaustionWarnPercent,
    exhaustionErrorPercent: options.exhaustionErrorPercent ?? DRIFT_DEFAULTS.exhaustionErrorPercent,
    settleMs: options.settleMs ?? DRIFT_DEFAULTS.settleMs,
  };
  if (!['none', 'sample', 'full'].includes(settings.data)) {
    throw new RangeError(`data must be 'none', 'sample' or 'full', got ${JSON.stringify(settings.data)}`);
  }
  if (!Number.isInteger(settings.sampleSegments) || settings.sampleSegments < 1) {
    throw new RangeError(`sampleSegments must be a positive integer, got ${settings.sampleSegments}`);
  }
  for (const name of ['exhaustionWarnPercent', 'exhaustionErrorPercent'] as const) {
    const value = settings[name];
    if (!Number.isFinite(value) || value < 0 || value > 100) throw new RangeError(`${name} must be a percentage from 0 to 100, got ${value}`);
  }
  if (settings.exhaustionWarnPercent > settings.exhaustionErrorPercent) {
    throw new RangeError(
      `exhaustionWarnPercent (${settings.exhaustionWarnPercent}) must not be above exhaustionErrorPercent (${settings.exhaustionErrorPercent})`,
    );
  }
  if (!Number.isFinite(settings.settleMs) || settings.settleMs < 0) throw new RangeError(`settleMs must be 0 or more, got ${settings.settleMs}`);
  return settings;
}
