import { stepHandler } from '../shared/handler';
import { driftStep } from './step';

export const handler = stepHandler('drift', driftStep);
