import { stepHandler } from '../shared/handler';
import { finishStep } from './step';

export const handler = stepHandler('finish', finishStep);
