import { awsRuntime } from '../shared/aws-runtime';
import { logger } from '../shared/observability';
import type { CopyRunner } from '../shared/replication/native/copy-runner';
import { NativeEngine } from '../shared/replication/native/engine';
import { createEngine } from '../shared/replication/open-engine';
import { secretsManager } from '../shared/secrets';

/**
 * The copy task's entry point (an ECS Fargate task, lib/constructs/copy-task.ts; its image is
 * copy-task/Dockerfile): `node copy-task.js <migrationId>` runs the copy job that the
 * start-replication step recorded on the target and then exits, 0 when the subscription took
 * over, 1 when the job failed (it recorded why on the target, where status() reads it). ECS stops
 * a task with SIGTERM: the job then stops its workers, drops its slot and empties its tables.
 */

/** The runner as the task sees itself: this process is the job, so it never starts another. */
const THIS_PROCESS: CopyRunner = {
  start: async () => {
    throw new Error('the copy task runs one copy job, its own');
  },
  running: async () => false,
  stop: async () => undefined,
};

export async function runCopyTask(migrationId: string, signal: AbortSignal): Promise<number> {
  const runtime = awsRuntime();
  const migration = runtime.migration(migrationId);
  const databases = await runtime.openDatabases(migration, { max: 2 });
  try {
    const engine = await createEngine(migration, { ...databases, secrets: secretsManager, copyRunner: THIS_PROCESS });
    if (!(engine instanceof NativeEngine)) throw new Error(`migration '${migrationId}' does not use the native engine: it has no copy job`);
    const progress = await engine.runCopyJob(signal);
    logger.info('copy job done', { migrationId, rows: progress.rows, units: progress.unitsTotal });
    return 0;
  } catch (error) {
    logger.error('copy job failed', { migrationId, error: error as Error });
    return 1;
  } finally {
    await databases.close();
  }
}

/* c8 ignore start: the process wiring, exercised by the image */
if (require.main === module) {
  const migrationId = process.argv[2];
  if (!migrationId) {
    logger.error('usage: node copy-task.js <migrationId>');
    process.exit(2);
  }
  const abort = new AbortController();
  process.once('SIGTERM', () => abort.abort());
  void runCopyTask(migrationId, abort.signal).then((code) => process.exit(code));
}
/* c8 ignore stop */
