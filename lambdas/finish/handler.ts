import { awsRuntime } from '../shared/aws-runtime';
import { logger } from '../shared/observability';
import { finishStep } from './step';

export async function handler(event: unknown): ReturnType<typeof finishStep> {
  const output = await finishStep(event, awsRuntime());
  logger.info('finish', { output });
  return output;
}
