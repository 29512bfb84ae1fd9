import { awsRuntime } from '../shared/aws-runtime';
import { logger } from '../shared/observability';
import type { PreflightStepSummary } from '../shared/preflight/run-step';
import { preflightStep } from './step';

export async function handler(event: unknown): Promise<PreflightStepSummary> {
  const summary = await preflightStep(event, awsRuntime());
  logger.info('preflight passed', { migrationId: summary.migrationId, warnings: summary.warningChecks, waived: summary.waived });
  return summary;
}
