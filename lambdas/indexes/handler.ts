import { stepHandler } from '../shared/handler';
import { indexesStep } from './step';

export const handler = stepHandler('indexes', indexesStep);
