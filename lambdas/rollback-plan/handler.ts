import { awsRuntime } from '../shared/aws-runtime';
import { logger } from '../shared/observability';
import type { RollbackDecision } from './plan';
import { rollbackPlanStep } from './step';

export async function handler(event: unknown): Promise<RollbackDecision> {
  const output = await rollbackPlanStep(event, awsRuntime());
  logger.info('rollback plan', { output });
  return output;
}
