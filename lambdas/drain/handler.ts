import { awsRuntime } from '../shared/aws-runtime';
import { logger } from '../shared/observability';
import { drainStep, type DrainOutput } from './step';

export async function handler(event: unknown): Promise<DrainOutput> {
  const output = await drainStep(event, awsRuntime());
  logger.info('drained', { output });
  return output;
}
