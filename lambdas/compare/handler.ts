import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { CheckpointStore, createDocumentClient } from '../shared/checkpoints';
import { openEndpoint } from '../shared/endpoints';
import { parseInput } from '../shared/input';
import { emfMetrics, logger } from '../shared/observability';
import { loadMigration, requiredEnv } from '../shared/runtime-config';
import { secretsManager } from '../shared/secrets';
import { runCompare, type CompareStepSummary } from './run-compare';

/** `{"migrationId": "orders", "runId": "..."}`; tables, settleMs and maxKeys are optional. */
export const CompareInputSchema = z.strictObject({
  migrationId: z.string().min(1, 'is required'),
  runId: z.string().min(1, 'is required').max(200),
  tables: z.array(z.string().regex(/^[^.\s]+\.[^.\s]+$/, "must be 'schema.table' (wildcards * and ? allowed)")).min(1).optional(),
  settleMs: z.number().int().min(0).max(600_000).default(0),
  maxKeys: z.number().int().min(0).max(1000).default(100),
});

// Created once per execution environment and reused across invocations.
const store = new CheckpointStore({ client: createDocumentClient(), tableName: requiredEnv('FERRY_TABLE_NAME') });

/** Leaves time to write the last checkpoint and return before Lambda's own limit. */
const SAFETY_MS = 60_000;

export async function handler(event: unknown, context: Pick<Context, 'getRemainingTimeInMillis' | 'awsRequestId'>): Promise<CompareStepSummary> {
  const input = parseInput(CompareInputSchema, event);
  logger.appendKeys({ migrationId: input.migrationId, runId: input.runId });
  const migration = loadMigration(input.migrationId);
  const [source, target] = await Promise.all([
    openEndpoint('source', migration.source, secretsManager),
    openEndpoint('target', migration.target, secretsManager),
  ]);
  try {
    const summary = await runCompare(input, migration, {
      source,
      target,
      store,
      metrics: emfMetrics,
      now: Date.now,
      deadline: Date.now() + Math.max(0, context.getRemainingTimeInMillis() - SAFETY_MS),
    });
    logger.info('comparison step finished', { complete: summary.complete, equal: summary.equal, differences: summary.differences });
    return summary;
  } finally {
    await Promise.all([source.close(), target.close()]);
  }
}
