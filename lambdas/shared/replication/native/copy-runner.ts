/**
 * The CopyRunner port: where the native engine's parallel copy runs. The copy holds an exported
 * snapshot for as long as it lasts, which can be hours, so it cannot run in a step's Lambda
 * invocation: in AWS it is an ECS Fargate task (`ecs-copy-runner.ts`, lib/constructs/copy-task.ts)
 * that runs `NativeEngine.runCopyJob()`; locally it is a promise in the process
 * (local/copy-runner.ts). The engine asks only whether a job runs: what a job did and why it
 * failed is on the target (copy-job.ts), which outlives any process.
 */
export interface CopyRunner {
  /** Starts the migration's copy job. Called only when none runs (`running` said false). */
  start(migrationId: string): Promise<void>;
  /** Whether a copy job of the migration is running (or starting) now. */
  running(migrationId: string): Promise<boolean>;
  /** Stops the migration's copy job, if one runs; returns once asked (the engine waits for it to end). */
  stop(migrationId: string): Promise<void>;
}
