import { z } from 'zod';
import { parseInput } from '../shared/input';
import type { StepRuntime } from '../shared/runtime';
import { ENDED_STATUSES, releaseEndedExecution, type EndedStatus, type ExecutionEndedOutput } from './release-ended';

const DETAIL_TYPE = 'Step Functions Execution Status Change';

/**
 * An EventBridge "Step Functions Execution Status Change" event. Not strict: EventBridge adds
 * fields (version, id, time, region, resources; startDate, stopDate, output, ... in the detail).
 */
export const ExecutionStatusChangeSchema = z.looseObject({
  'detail-type': z.string().optional(),
  detail: z.looseObject({
    executionArn: z.string().min(1, 'is required'),
    stateMachineArn: z.string().optional(),
    name: z.string().optional(),
    status: z.string().min(1, 'is required'),
    /** The execution input as a JSON string; null when it is too large for the event. */
    input: z.string().nullable().optional(),
  }),
});

const MigrationInputSchema = z.looseObject({ migrationId: z.string().min(1) });

/** Releases the lock an ended execution still holds; every other event is ignored, with the reason. */
export async function executionEndedStep(event: unknown, runtime: StepRuntime): Promise<ExecutionEndedOutput> {
  const { 'detail-type': detailType, detail } = parseInput(ExecutionStatusChangeSchema, event);
  if (detailType !== undefined && detailType !== DETAIL_TYPE) return { action: 'ignored', reason: `not an execution status change: ${detailType}` };
  if (!(ENDED_STATUSES as readonly string[]).includes(detail.status)) return { action: 'ignored', reason: `status ${detail.status}` };
  const migrationId = migrationIdOf(detail.input);
  if (migrationId === undefined) return { action: 'ignored', reason: 'the execution input names no migrationId' };
  return releaseEndedExecution(
    {
      executionArn: detail.executionArn,
      status: detail.status as EndedStatus,
      migrationId,
      ...(detail.stateMachineArn === undefined ? {} : { stateMachineArn: detail.stateMachineArn }),
    },
    runtime,
  );
}

function migrationIdOf(input: string | null | undefined): string | undefined {
  if (typeof input !== 'string') return undefined;
  try {
    const parsed = MigrationInputSchema.safeParse(JSON.parse(input));
    return parsed.success ? parsed.data.migrationId : undefined;
  } catch {
    return undefined;
  }
}
