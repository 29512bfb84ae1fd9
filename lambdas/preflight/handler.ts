import { stepHandler } from '../shared/handler';
import { logger } from '../shared/observability';
import { preflightStep } from './step';

export const handler = stepHandler('preflight', preflightStep, {
  log: (summary) => logger.info('preflight passed', { migrationId: summary.migrationId, warnings: summary.warningChecks, waived: summary.waived }),
});
