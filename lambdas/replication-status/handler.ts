import { stepHandler } from '../shared/handler';
import { logger } from '../shared/observability';
import { replicationStatusStep } from './step';

export const handler = stepHandler('replication-status', replicationStatusStep, {
  log: ({ migrationId, state, tables, lagSeconds, progress }) =>
    logger.info('replication status', {
      migrationId,
      state,
      tables,
      lagSeconds,
      // The totals only: the per-table list is in the step's output.
      progress: { rowsCopied: progress.rowsCopied, rowsLeft: progress.rowsLeft, percent: progress.percent, rowsPerSecond: progress.rowsPerSecond, estimatedSecondsLeft: progress.estimatedSecondsLeft },
    }),
});
