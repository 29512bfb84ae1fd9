import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ReportKind, ReportOf } from '../catalog/reports';
import type { RetryPolicy } from '../retry';
import type { StoreContext } from './context';
import * as lock from './lock';
import type { Lease, LockRecord } from './lock';
import * as freezes from './freezes';
import type { FreezeRecord } from './freezes';
import * as reports from './reports';
import type { PutReportOptions, ReportReceipt, StoredReport } from './reports';
import * as segments from './segments';
import type { ListSegmentsOptions, SegmentProgress, SegmentRecord } from './segments';
import * as state from './state';
import type { MigrationState, TransitionRequest } from './state';
import * as steps from './steps';
import type { StepRecord } from './steps';
import * as verification from './verification';
import type { LeaseAttempt, VerificationLease, VerificationRecord } from './verification';

export interface CheckpointStoreOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Epoch milliseconds; injected in tests to move time. @default Date.now */
  readonly now?: () => number;
  /** Backoff for transient DynamoDB errors (see retry.ts). @default DEFAULT_RETRY_POLICY */
  readonly retry?: RetryPolicy;
}

/**
 * The checkpoint table (DESIGN.md "Checkpoint table"): migration state, the lock, idempotent
 * steps, comparison progress and reports. Each concern lives in its own module; this class only
 * binds them to one table and client. Every call is a single-item operation (no transactions),
 * retried on transient errors.
 */
export class CheckpointStore {
  private readonly ctx: StoreContext;

  constructor(options: CheckpointStoreOptions) {
    this.ctx = {
      client: options.client,
      tableName: options.tableName,
      now: options.now ?? Date.now,
      retry: options.retry ?? {},
    };
  }

  getState(migrationId: string): Promise<MigrationState | undefined> {
    return state.getState(this.ctx, migrationId);
  }

  ensureState(migrationId: string): Promise<MigrationState> {
    return state.ensureState(this.ctx, migrationId);
  }

  transition(migrationId: string, request: TransitionRequest): Promise<MigrationState> {
    return state.transition(this.ctx, migrationId, request);
  }

  acquire(migrationId: string, owner: string, leaseMs: number): Promise<Lease> {
    return lock.acquire(this.ctx, migrationId, owner, leaseMs);
  }

  renew(migrationId: string, lease: Lease, leaseMs: number): Promise<Lease> {
    return lock.renew(this.ctx, migrationId, lease, leaseMs);
  }

  release(migrationId: string, lease: Lease): Promise<boolean> {
    return lock.release(this.ctx, migrationId, lease);
  }

  getLock(migrationId: string): Promise<LockRecord | undefined> {
    return lock.getLock(this.ctx, migrationId);
  }

  runStep<T>(runId: string, name: string, fn: () => Promise<T>): Promise<T> {
    return steps.runStep(this.ctx, runId, name, fn);
  }

  getStep(runId: string, name: string): Promise<StepRecord | undefined> {
    return steps.getStep(this.ctx, runId, name);
  }

  putSegment(runId: string, table: string, n: number, progress: SegmentProgress): Promise<void> {
    return segments.putSegment(this.ctx, runId, table, n, progress);
  }

  getSegment(runId: string, table: string, n: number): Promise<SegmentRecord | undefined> {
    return segments.getSegment(this.ctx, runId, table, n);
  }

  listSegments(runId: string, table: string, options?: ListSegmentsOptions): Promise<SegmentRecord[]> {
    return segments.listSegments(this.ctx, runId, table, options);
  }

  pendingSegments(runId: string, table: string, total: number): Promise<number[]> {
    return segments.pendingSegments(this.ctx, runId, table, total);
  }

  segmentsDone(runId: string, table: string, total: number): Promise<boolean> {
    return segments.segmentsDone(this.ctx, runId, table, total);
  }

  /** Stores a report of a catalogued kind (lambdas/shared/catalog/reports.ts), its body typed by the kind. */
  putReport<K extends ReportKind>(migrationId: string, kind: K, report: ReportOf<K>, options?: PutReportOptions): Promise<ReportReceipt> {
    return reports.putReport(this.ctx, migrationId, kind, report, options);
  }

  /** The newest report of a kind, typed by the catalogue. */
  latestReport<K extends ReportKind>(migrationId: string, kind: K): Promise<StoredReport<ReportOf<K>> | undefined>;
  /** A view of the newest report of a kind as `T` (tests reading a part of it); runtime code takes the catalogue's type. */
  latestReport<T>(migrationId: string, kind: ReportKind): Promise<StoredReport<T> | undefined>;
  latestReport(migrationId: string, kind: ReportKind): Promise<StoredReport | undefined> {
    return reports.latestReport(this.ctx, migrationId, kind);
  }

  /** Newest first, typed by the catalogue. */
  listReports<K extends ReportKind>(migrationId: string, kind: K, limit?: number): Promise<StoredReport<ReportOf<K>>[]>;
  /** A view of the reports of a kind as `T` (tests reading a part of them); runtime code takes the catalogue's type. */
  listReports<T>(migrationId: string, kind: ReportKind, limit?: number): Promise<StoredReport<T>[]>;
  listReports(migrationId: string, kind: ReportKind, limit?: number): Promise<StoredReport[]> {
    return reports.listReports(this.ctx, migrationId, kind, limit);
  }

  /** The write freeze of one side of a migration (current or last), if any. */
  getFreeze(migrationId: string, side: 'source' | 'target'): Promise<FreezeRecord | undefined> {
    return freezes.getFreeze(this.ctx, migrationId, side);
  }

  putFreeze(migrationId: string, record: FreezeRecord): Promise<void> {
    return freezes.putFreeze(this.ctx, migrationId, record);
  }

  /** Change capture and continuous verification of a migration (the VERIFY item), if any. */
  getVerification(migrationId: string): Promise<VerificationRecord | undefined> {
    return verification.getVerification(this.ctx, migrationId);
  }

  acquireVerificationLease(migrationId: string, owner: string, leaseMs: number): Promise<LeaseAttempt> {
    return verification.acquireVerificationLease(this.ctx, migrationId, owner, leaseMs);
  }

  releaseVerificationLease(migrationId: string, lease: VerificationLease): Promise<boolean> {
    return verification.releaseVerificationLease(this.ctx, migrationId, lease);
  }

  putVerification(record: VerificationRecord, lease: VerificationLease): Promise<void> {
    return verification.putVerification(this.ctx, record, lease);
  }
}
