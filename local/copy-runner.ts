import type { CopyRunner } from '../lambdas/shared/replication/native/copy-runner';

/**
 * The CopyRunner on one machine: a copy job is a promise in this process, as an ECS task is in
 * AWS. `run` does what the task's entry point does (lambdas/copy-task/main.ts): open the
 * databases and run `NativeEngine.runCopyJob`. A job's error is not thrown here: the job records
 * it on the target, where status() reads it, exactly as when a task ends with it.
 */
export class InProcessCopyRunner implements CopyRunner {
  private readonly jobs = new Map<string, { readonly done: Promise<void>; readonly abort: AbortController }>();

  constructor(private readonly run: (migrationId: string, signal: AbortSignal) => Promise<unknown>) {}

  async start(migrationId: string): Promise<void> {
    if (this.jobs.has(migrationId)) return;
    const abort = new AbortController();
    const done = this.run(migrationId, abort.signal).then(
      () => undefined,
      () => undefined,
    );
    this.jobs.set(migrationId, { done: done.finally(() => this.jobs.delete(migrationId)), abort });
  }

  async running(migrationId: string): Promise<boolean> {
    return this.jobs.has(migrationId);
  }

  async stop(migrationId: string): Promise<void> {
    this.jobs.get(migrationId)?.abort.abort();
  }

  /** Resolves once no job runs (tests and the rehearsal wait for it before closing servers). */
  async idle(): Promise<void> {
    await Promise.all([...this.jobs.values()].map((j) => j.done));
  }
}
