import { awsRuntime } from '../shared/aws-runtime';
import { logger } from '../shared/observability';
import { guardrailsStep, type GuardrailsOutput } from './step';

export async function handler(event: unknown): Promise<GuardrailsOutput> {
  const output = await guardrailsStep(event, awsRuntime());
  logger.info('guardrails', { output });
  return output;
}
