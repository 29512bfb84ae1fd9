import { awsRuntime } from '../shared/aws-runtime';
import { logger } from '../shared/observability';
import { scheduleFinishStep, type ScheduleFinishOutput } from './step';

export async function handler(event: unknown): Promise<ScheduleFinishOutput> {
  const output = await scheduleFinishStep(event, awsRuntime());
  logger.info('schedule finish', { output });
  return output;
}
