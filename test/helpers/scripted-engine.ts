import type { ReplicationEngine, ReplicationLag, ReplicationStatus, StartOptions, StartOutcome } from '../../lambdas/shared/replication/engine';

/**
 * A ReplicationEngine that plays back given statuses, for the logic of steps that only read the
 * port. The engines themselves are tested against real PostgreSQL (native) and the DMS API (mocked).
 */
export class ScriptedEngine implements ReplicationEngine {
  readonly kind = 'native' as const;
  readonly direction = 'forward' as const;
  readonly starts: StartOptions[] = [];

  constructor(
    private readonly script: {
      status: ReplicationStatus;
      lag?: ReplicationLag | (() => Promise<ReplicationLag>);
      start?: StartOutcome;
    },
  ) {}

  async start(options: StartOptions = {}): Promise<StartOutcome> {
    this.starts.push(options);
    return this.script.start ?? { action: 'started', message: 'started' };
  }

  async status(): Promise<ReplicationStatus> {
    return this.script.status;
  }

  async lag(): Promise<ReplicationLag> {
    const lag = this.script.lag;
    if (lag === undefined) throw new Error('lag was not scripted');
    return typeof lag === 'function' ? lag() : lag;
  }

  async stop() {
    return { action: 'stopped' as const, message: 'stopped' };
  }

  async prepareReverse() {
    return { action: 'prepared' as const, startPosition: '0/0', message: 'prepared' };
  }

  async reverse() {
    return undefined;
  }
}
