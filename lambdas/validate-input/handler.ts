import { awsRuntime } from '../shared/aws-runtime';
import { logger } from '../shared/observability';
import { validateInputStep } from './step';

export async function handler(event: unknown): Promise<Awaited<ReturnType<typeof validateInputStep>>> {
  const run = await validateInputStep(event, awsRuntime());
  logger.info('workflow input valid', { migrationId: run.migrationId, runId: run.runId, owner: run.owner });
  return run;
}
