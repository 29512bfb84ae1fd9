import { awsRuntime } from '../shared/aws-runtime';
import { logger } from '../shared/observability';
import { setPhaseStep, type SetPhaseOutput } from './step';

export async function handler(event: unknown): Promise<SetPhaseOutput> {
  const output = await setPhaseStep(event, awsRuntime());
  logger.info('set phase', { ...output });
  return output;
}
