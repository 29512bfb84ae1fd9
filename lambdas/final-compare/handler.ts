import { awsRuntime } from '../shared/aws-runtime';
import { logger } from '../shared/observability';
import { finalCompareStep, type FinalCompareOutput } from './step';

export async function handler(event: unknown): Promise<FinalCompareOutput> {
  const output = await finalCompareStep(event, awsRuntime());
  logger.info('final comparison', { output });
  return output;
}
