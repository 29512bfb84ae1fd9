import { stepHandler } from '../shared/handler';
import { lockStep } from './step';

export const handler = stepHandler('lock', lockStep);
