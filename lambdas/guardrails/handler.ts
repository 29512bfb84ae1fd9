import { stepHandler } from '../shared/handler';
import { guardrailsStep } from './step';

export const handler = stepHandler('guardrails', guardrailsStep);
