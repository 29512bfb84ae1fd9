import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DatabaseMigrationServiceClient } from '@aws-sdk/client-database-migration-service';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SNSClient } from '@aws-sdk/client-sns';
import { CheckpointStore, createDocumentClient } from './checkpoints';
import { openEndpoint } from './endpoints';
import { snsNotifier } from './notifier';
import { emfMetrics } from './observability';
import type { CopyRunner } from './replication/native/copy-runner';
import { ecsCopyRunner, loadCopyTask } from './replication/native/ecs-copy-runner';
import { createEngine } from './replication/open-engine';
import { NO_DEADLINE, type StepRuntime } from './runtime';
import { loadDmsResource, loadMigration, requiredEnv } from './runtime-config';
import { secretsManager } from './secrets';
import { eventBridgeFinishScheduler, type FinishScheduler } from './finish-scheduler';
import { rdsRestorePoints, type RestorePoints } from './restore-points/rds';
import { sfnRollbackStarter, type RollbackStarter } from './rollback-starter';
import { createSwitch } from './switch/create-switch';

let runtime: StepRuntime | undefined;

/**
 * The runtime of the Lambda functions: configuration from the environment the stack sets
 * (FERRY_MIGRATIONS, FERRY_TABLE_NAME, FERRY_TOPIC_ARN, FERRY_DMS), SDK clients created once per
 * execution environment and only when first used.
 */
export function awsRuntime(): StepRuntime {
  if (runtime) return runtime;
  let sns: SNSClient | undefined;
  let dms: { dms: DatabaseMigrationServiceClient; cloudwatch: CloudWatchClient } | undefined;
  let store: CheckpointStore | undefined;
  let copies: CopyRunner | undefined;
  let rollbacks: RollbackStarter | undefined;
  let finishes: FinishScheduler | undefined;
  let restorePoints: RestorePoints | undefined;
  runtime = {
    get store() {
      return (store ??= new CheckpointStore({ client: createDocumentClient(), tableName: requiredEnv('FERRY_TABLE_NAME') }));
    },
    metrics: emfMetrics,
    notifier: {
      notify: (n) => snsNotifier((sns ??= new SNSClient({})), requiredEnv('FERRY_TOPIC_ARN')).notify(n),
    },
    migration: (id) => loadMigration(id),
    async openDatabases(migration, options = {}) {
      const [source, target] = await Promise.all([
        openEndpoint('source', migration.source, secretsManager, options),
        openEndpoint('target', migration.target, secretsManager, options),
      ]);
      return { source, target, close: async () => void (await Promise.all([source.close(), target.close()])) };
    },
    async engine(migration, { source, target }) {
      if (migration.replication.engine === 'native') {
        const task = loadCopyTask();
        copies ??= task && ecsCopyRunner(new ECSClient({}), task);
        return createEngine(migration, { source, target, secrets: secretsManager, ...(copies ? { copyRunner: copies } : {}) });
      }
      dms ??= { dms: new DatabaseMigrationServiceClient({}), cloudwatch: new CloudWatchClient({}) };
      return createEngine(migration, { source, target, secrets: secretsManager, dms: { ...dms, resource: loadDmsResource(migration.id) } });
    },
    switchFor: (migration) => createSwitch(migration, secretsManager),
    get rollbacks() {
      return (rollbacks ??= sfnRollbackStarter());
    },
    get finishes() {
      return (finishes ??= eventBridgeFinishScheduler());
    },
    get restorePoints() {
      return (restorePoints ??= rdsRestorePoints());
    },
    now: Date.now,
    // Per invocation: stepHandler gives each one a view with Lambda's remaining time (withDeadline).
    deadline: () => NO_DEADLINE,
  };
  return runtime;
}
