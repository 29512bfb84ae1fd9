import { stepHandler } from '../shared/handler';
import { analyzeStep } from './step';

export const handler = stepHandler('analyze', analyzeStep);
