import { stepHandler } from '../shared/handler';
import { logger } from '../shared/observability';
import { replicationStatusStep } from './step';

export const handler = stepHandler('replication-status', replicationStatusStep, {
  log: (output) => logger.info('replication status', { migrationId: output.migrationId, state: output.state, tables: output.tables, lagSeconds: output.lagSeconds }),
});
