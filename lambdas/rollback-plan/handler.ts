import { stepHandler } from '../shared/handler';
import { rollbackPlanStep } from './step';

export const handler = stepHandler('rollback-plan', rollbackPlanStep);
