import { stepHandler } from '../shared/handler';
import { restorePointsStep } from './step';

export const handler = stepHandler('restore-points', restorePointsStep);
