export { createDocumentClient, type DocumentClientOptions } from './client';
export { CheckpointTransientError } from './context';
export * from './keys';
export type { Lease, LockRecord } from './lock';
export { ALLOWED_TRANSITIONS, isAllowedTransition, isPhase, PHASES, type Phase } from './phases';
export {
  DEFAULT_REPORT_TTL_DAYS,
  REPORT_COMPRESS_ABOVE_BYTES,
  REPORT_LIMIT_BYTES,
  type PutReportOptions,
  type ReportReceipt,
  type StoredReport,
} from './reports';
export type { ReportCatalog, ReportKind, ReportOf } from '../catalog/reports';
export type { ListSegmentsOptions, SegmentProgress, SegmentRecord, SegmentStatus } from './segments';
export { HISTORY_LIMIT, type MigrationState, type TransitionRecord, type TransitionRequest } from './state';
export { STEP_OUTPUT_LIMIT_BYTES, type StepRecord, type StepStatus } from './steps';
export { CheckpointStore, type CheckpointStoreOptions } from './store';
export type { FreezeRecord } from './freezes';
export {
  VerificationLeaseLostError,
  VERIFY_SK,
  type CaptureSlotRef,
  type LeaseAttempt,
  type RoundSummary,
  type TableToCompare,
  type UnresolvedKey,
  type VerificationLease,
  type VerificationRecord,
  type VerifiedThrough,
} from './verification';
