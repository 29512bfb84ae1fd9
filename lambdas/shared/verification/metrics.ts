/**
 * The metrics continuous verification publishes (EMF, dimensions `service` and `migrationId`),
 * defined once: the alarms in lib/constructs/verification-alarms.ts name the same constants.
 */
export const VERIFICATION_METRICS = {
  /** Keys proven different (replication did not make the two equal), plus tables that compared different whole. */
  differences: 'VerificationDifferences',
  /** Keys that differed in the last round but changed again since: compared again next round. */
  suspects: 'VerificationSuspects',
  keysVerified: 'VerificationKeysVerified',
  /** Seconds since the newest verified position was read: how old the proof is. */
  ageSeconds: 'VerificationAgeSeconds',
} as const;

/** WAL kept by each capture slot, in bytes (one metric per side, so that each has its alarm). */
export const CAPTURE_WAL_METRICS = {
  source: 'SourceCaptureSlotWalBytes',
  target: 'TargetCaptureSlotWalBytes',
} as const;
