import { awsRuntime } from '../shared/aws-runtime';
import { logger } from '../shared/observability';
import { analyzeStep, type AnalyzeOutput } from './step';

export async function handler(event: unknown): Promise<AnalyzeOutput> {
  const output = await analyzeStep(event, awsRuntime());
  logger.info('analyze', { output });
  return output;
}
