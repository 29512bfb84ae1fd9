import { stepHandler } from '../shared/handler';
import { finalCompareStep } from './step';

export const handler = stepHandler('final-compare', finalCompareStep);
