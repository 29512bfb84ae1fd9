import { stepHandler } from '../shared/handler';
import { logger } from '../shared/observability';
import { replicationMonitorStep, type ReplicationMonitorOutput } from './step';

/** One line per observed migration; an unhealthy replication is what the rollback alarm acts on: say why, where operators look. */
function logHealth(output: ReplicationMonitorOutput): void {
  for (const health of output.migrations) {
    if (!health.observed) continue;
    if (!health.healthy) logger.error('replication unhealthy', { ...health });
    else if (health.problem) logger.warn('replication lag unknown', { ...health });
    else logger.info('replication healthy', { ...health });
  }
}

/** Target of the once-a-minute EventBridge schedule; its input lists the migrations. */
export const handler = stepHandler('replication-monitor', replicationMonitorStep, { log: logHealth });
