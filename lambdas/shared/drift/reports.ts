import type { DriftResult } from './types';

/**
 * The reports the drift step stores, and what reads them back (the next drift check, and
 * `ferry drift-report`).
 */

export { DRIFT_KIND, SCHEMA_SNAPSHOT_KIND } from '../catalog/reports';
/** Drift reports are a history: each check is kept this long. */
export const DRIFT_REPORT_TTL_DAYS = 30;
/** The snapshot taken at cutover is what every later drift check compares with: kept for years. */
export const SNAPSHOT_TTL_DAYS = 3650;

/** Stored with each drift report, and what the next check compares with. */
export interface DriftReport extends DriftResult {
  readonly phase: string;
  readonly checkedAt: string;
  readonly changed: boolean;
}
