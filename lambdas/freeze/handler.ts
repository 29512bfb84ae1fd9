import { stepHandler } from '../shared/handler';
import { freezeStep } from './step';

export const handler = stepHandler('freeze', freezeStep);
