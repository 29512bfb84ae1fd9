import { stepHandler } from '../shared/handler';
import { startCaptureStep } from './step';

export const handler = stepHandler('start-capture', startCaptureStep);
