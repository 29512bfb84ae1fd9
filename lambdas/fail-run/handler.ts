import { awsRuntime } from '../shared/aws-runtime';
import { logger } from '../shared/observability';
import type { FailRunOutput } from './fail-run';
import { failRunStep } from './step';

export async function handler(event: unknown): Promise<FailRunOutput> {
  const output = await failRunStep(event, awsRuntime());
  logger.error('workflow failed', { ...output });
  return output;
}
