import { awsRuntime } from '../shared/aws-runtime';
import { logger } from '../shared/observability';
import type { ListTablesOutput } from './list-tables';
import { listTablesStep } from './step';

export async function handler(event: unknown): Promise<ListTablesOutput> {
  const output = await listTablesStep(event, awsRuntime());
  logger.info('tables to compare', { migrationId: output.migrationId, count: output.count });
  return output;
}
