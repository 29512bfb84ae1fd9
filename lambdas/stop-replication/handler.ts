import { stepHandler } from '../shared/handler';
import { stopReplicationStep } from './step';

export const handler = stepHandler('stop-replication', stopReplicationStep);
