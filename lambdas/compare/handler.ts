import type { Context } from 'aws-lambda';
import { awsRuntime } from '../shared/aws-runtime';
import { logger } from '../shared/observability';
import type { CompareStepSummary } from './run-compare';
import { compareStep } from './step';

/** Leaves time to write the last checkpoint and return before Lambda's own limit. */
const SAFETY_MS = 60_000;

export async function handler(event: unknown, context: Pick<Context, 'getRemainingTimeInMillis'>): Promise<CompareStepSummary> {
  const deadline = Date.now() + Math.max(0, context.getRemainingTimeInMillis() - SAFETY_MS);
  const summary = await compareStep(event, awsRuntime(), deadline);
  logger.info('comparison step finished', { migrationId: summary.migrationId, complete: summary.complete, equal: summary.equal, differences: summary.differences });
  return summary;
}
