import { stepHandler } from '../shared/handler';
import { switchStep } from './step';

export const handler = stepHandler('switch', switchStep);
