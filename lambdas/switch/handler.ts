import { awsRuntime } from '../shared/aws-runtime';
import { logger } from '../shared/observability';
import { switchStep, type SwitchStepOutput } from './step';

export async function handler(event: unknown): Promise<SwitchStepOutput> {
  const output = await switchStep(event, awsRuntime());
  logger.info('switched', { output });
  return output;
}
