import { stepHandler } from '../shared/handler';
import { logger } from '../shared/observability';
import { validateInputStep } from './step';

export const handler = stepHandler('validate-input', validateInputStep, {
  log: (run) => logger.info('workflow input valid', { migrationId: run.migrationId, runId: run.runId, owner: run.owner }),
});
