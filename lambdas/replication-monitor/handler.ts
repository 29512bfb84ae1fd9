import { awsRuntime } from '../shared/aws-runtime';
import { logger } from '../shared/observability';
import { replicationMonitorStep, type ReplicationMonitorOutput } from './step';

/** Target of the once-a-minute EventBridge schedule; its input lists the migrations. */
export async function handler(event: unknown): Promise<ReplicationMonitorOutput> {
  const output = await replicationMonitorStep(event, awsRuntime());
  for (const health of output.migrations) {
    if (!health.observed) continue;
    // An unhealthy replication is what the rollback alarm acts on: say why, where operators look.
    if (!health.healthy) logger.error('replication unhealthy', { ...health });
    else if (health.problem) logger.warn('replication lag unknown', { ...health });
    else logger.info('replication healthy', { ...health });
  }
  return output;
}
