import { stepHandler } from '../shared/handler';
import { scheduleFinishStep } from './step';

export const handler = stepHandler('schedule-finish', scheduleFinishStep);
