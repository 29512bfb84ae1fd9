import { stepHandler } from '../shared/handler';
import { reverseReplicationStep } from './step';

export const handler = stepHandler('reverse-replication', reverseReplicationStep);
