import { stepHandler } from '../shared/handler';
import { setPhaseStep } from './step';

export const handler = stepHandler('set-phase', setPhaseStep);
