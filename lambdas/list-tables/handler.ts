import { stepHandler } from '../shared/handler';
import { logger } from '../shared/observability';
import { listTablesStep } from './step';

export const handler = stepHandler('list-tables', listTablesStep, {
  log: (output) => logger.info('tables to compare', { migrationId: output.migrationId, count: output.count }),
});
