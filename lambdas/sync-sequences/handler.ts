import { stepHandler } from '../shared/handler';
import { syncSequencesStep } from './step';

export const handler = stepHandler('sync-sequences', syncSequencesStep);
