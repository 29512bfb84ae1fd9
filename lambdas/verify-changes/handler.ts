import type { Context } from 'aws-lambda';
import { awsRuntime } from '../shared/aws-runtime';
import { logger } from '../shared/observability';
import { verifyChangesStep, type VerifyChangesOutput } from './step';

/** Stops a minute before Lambda's own timeout, so the lease is released and the result stored. */
const MARGIN_MS = 60_000;

export async function handler(event: unknown, context: Context): Promise<VerifyChangesOutput> {
  const output = await verifyChangesStep(event, awsRuntime(), Date.now() + context.getRemainingTimeInMillis() - MARGIN_MS, context.awsRequestId);
  logger.info('changes verified', { output });
  return output;
}
