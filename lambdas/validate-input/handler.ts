import { awsRuntime } from '../shared/aws-runtime';
import { logger } from '../shared/observability';
import { validateInputStep, type MigrateRun } from './step';

export async function handler(event: unknown): Promise<MigrateRun> {
  const run = await validateInputStep(event, awsRuntime());
  logger.info('migrate input valid', { migrationId: run.migrationId, runId: run.runId, resumed: run.resumed, owner: run.owner });
  return run;
}
