import { awsRuntime } from '../shared/aws-runtime';
import { logger } from '../shared/observability';
import { comparisonVerdictStep } from './step';
import type { VerdictOutput } from './verdict';

export async function handler(event: unknown): Promise<VerdictOutput> {
  const output = await comparisonVerdictStep(event, awsRuntime());
  logger.info('comparison equal', { ...output });
  return output;
}
