import { awsRuntime } from '../shared/aws-runtime';
import { logger } from '../shared/observability';
import { backOutStep, type BackOutOutput } from './step';

export async function handler(event: unknown): Promise<BackOutOutput> {
  const output = await backOutStep(event, awsRuntime());
  logger.info('backed out', { output });
  return output;
}
