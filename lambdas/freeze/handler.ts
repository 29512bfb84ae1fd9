import { awsRuntime } from '../shared/aws-runtime';
import { logger } from '../shared/observability';
import { freezeStep, type FreezeStepOutput } from './step';

export async function handler(event: unknown): Promise<FreezeStepOutput> {
  const output = await freezeStep(event, awsRuntime());
  logger.info('freeze step', { output });
  return output;
}
