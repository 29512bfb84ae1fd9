import { awsRuntime } from '../shared/aws-runtime';
import { logger } from '../shared/observability';
import { lockStep, type LockOutput } from './step';

export async function handler(event: unknown): Promise<LockOutput> {
  const output = await lockStep(event, awsRuntime());
  logger.info('migration lock', { ...output });
  return output;
}
