import type { StepRuntime } from '../lambdas/shared/runtime';
import type { RunOutcome } from '../lambdas/shared/verification/run';
import { LOCAL_STEPS } from './steps';

/**
 * The local stand-in for the verification schedule (lib/constructs/verification-schedule.ts):
 * the verify-changes step with `{"migrationIds": [...]}` every `intervalMs`, one round at a time,
 * as EventBridge would invoke the function. The rehearsal runs it with a short interval, so that
 * its cutover finds the proof as fresh as a deployed stack's would be.
 */
export class LocalVerificationSchedule {
  readonly outcomes: RunOutcome[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly runtime: StepRuntime,
    private readonly migrationIds: readonly string[],
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  /** Stops scheduling and waits for a round in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => this.schedule());
    }, this.intervalMs);
  }

  private async tick(): Promise<void> {
    const step = LOCAL_STEPS.VerifyChangesFunctionArn!;
    try {
      const output = (await step({ migrationIds: this.migrationIds }, this.runtime)) as { migrations: RunOutcome[] };
      this.outcomes.push(...output.migrations);
      if (process.env.FERRY_TRACE) for (const o of output.migrations) process.stderr.write(`[trace] verification round: ${JSON.stringify(o)}\n`);
    } catch (error) {
      // A scheduled invocation that fails is retried by the next one, as in AWS.
      if (process.env.FERRY_TRACE) process.stderr.write(`[trace] verification schedule: ${(error as Error).name}: ${(error as Error).message}\n`);
    }
  }
}
