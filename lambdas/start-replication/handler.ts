import { stepHandler } from '../shared/handler';
import { logger } from '../shared/observability';
import { startReplicationStep } from './step';

export const handler = stepHandler('start-replication', startReplicationStep, {
  log: (output) => logger.info('replication start requested', { migrationId: output.migrationId, action: output.action, state: output.state }),
});
