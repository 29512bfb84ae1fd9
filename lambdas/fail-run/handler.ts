import { stepHandler } from '../shared/handler';
import { logger } from '../shared/observability';
import { failRunStep } from './step';

export const handler = stepHandler('fail-run', failRunStep, { log: (output) => logger.error('workflow failed', { ...output }) });
