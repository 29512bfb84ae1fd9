import { stepHandler } from '../shared/handler';
import { comparisonVerdictStep } from './step';

export const handler = stepHandler('comparison-verdict', comparisonVerdictStep);
