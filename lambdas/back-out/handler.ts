import { stepHandler } from '../shared/handler';
import { backOutStep } from './step';

export const handler = stepHandler('back-out', backOutStep);
