import { z } from 'zod';
import { CheckpointStore, createDocumentClient } from '../shared/checkpoints';
import { openEndpoint } from '../shared/endpoints';
import { parseInput } from '../shared/input';
import { emfMetrics, logger } from '../shared/observability';
import { loadMigration, requiredEnv } from '../shared/runtime-config';
import { secretsManager } from '../shared/secrets';
import { CHECK_IDS } from './checks';
import { runPreflightStep, type PreflightStepSummary } from './run-step';

/** `{"migrationId": "orders"}`; `runId` and `waive` (check ids) are optional. */
export const PreflightInputSchema = z.strictObject({
  migrationId: z.string().min(1, 'is required'),
  runId: z.string().min(1).max(200).optional(),
  waive: z
    .array(z.string().refine((id) => CHECK_IDS.includes(id), { error: (issue) => `no check named '${String(issue.input)}' (checks: ${CHECK_IDS.join(', ')})` }))
    .default([]),
});

// Created once per execution environment and reused across invocations.
const store = new CheckpointStore({ client: createDocumentClient(), tableName: requiredEnv('FERRY_TABLE_NAME') });

export async function handler(event: unknown): Promise<PreflightStepSummary> {
  const input = parseInput(PreflightInputSchema, event);
  logger.appendKeys({ migrationId: input.migrationId });
  const migration = loadMigration(input.migrationId);
  const [source, target] = await Promise.all([
    openEndpoint('source', migration.source, secretsManager, { max: 2 }),
    openEndpoint('target', migration.target, secretsManager, { max: 2 }),
  ]);
  try {
    const summary = await runPreflightStep(input, migration, { source, target, store, metrics: emfMetrics });
    logger.info('preflight passed', { warnings: summary.warningChecks, waived: summary.waived });
    return summary;
  } finally {
    await Promise.all([source.close(), target.close()]);
  }
}
