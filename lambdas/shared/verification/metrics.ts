import { METRICS } from '../catalog/metrics';

/**
 * The metrics continuous verification publishes, by role (entries of the metric catalogue,
 * lambdas/shared/catalog/metrics.ts); the alarms in lib/constructs/verification-alarms.ts name
 * the same names.
 */
export const VERIFICATION_METRIC_ENTRIES = {
  differences: METRICS.verificationDifferences,
  suspects: METRICS.verificationSuspects,
  keysVerified: METRICS.verificationKeysVerified,
  ageSeconds: METRICS.verificationAgeSeconds,
} as const;

/** WAL kept by each capture slot, in bytes (one metric per side, so that each has its alarm). */
export const CAPTURE_WAL_METRIC_ENTRIES = {
  source: METRICS.sourceCaptureSlotWalBytes,
  target: METRICS.targetCaptureSlotWalBytes,
} as const;

/** The names alone, as the alarms take them. */
export const VERIFICATION_METRICS = {
  differences: METRICS.verificationDifferences.name,
  suspects: METRICS.verificationSuspects.name,
  keysVerified: METRICS.verificationKeysVerified.name,
  ageSeconds: METRICS.verificationAgeSeconds.name,
} as const;

export const CAPTURE_WAL_METRICS = {
  source: METRICS.sourceCaptureSlotWalBytes.name,
  target: METRICS.targetCaptureSlotWalBytes.name,
} as const;
