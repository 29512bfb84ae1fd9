import { stepHandler } from '../shared/handler';
import { drainStep } from './step';

export const handler = stepHandler('drain', drainStep);
