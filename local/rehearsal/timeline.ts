import { performance } from 'node:perf_hooks';

/** Which phase of the report a workflow state belongs to; a state not listed keeps the current phase. */
const PHASE_OF_STATE: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  migrate: {
    'Validate the input': 'preflight',
    'Run the preflight checks': 'preflight',
    'Start replication': 'full load (initial copy)',
    'List the tables to compare': 'compare the tables',
    'Check the replication lag': 'wait for the lag',
  },
  cutover: { 'Validate the input': 'cutover' },
  rollback: { 'Validate the input': 'rollback' },
};

/**
 * Time per phase of a rehearsal, from the moments phases are entered: explicitly (setup) or by
 * the workflow states the local runner reports. Phases are kept in the order first entered; a
 * phase entered again adds to its time.
 */
export class Timeline {
  private readonly order: string[] = [];
  private readonly ms = new Map<string, number>();
  private current: { name: string; since: number } | undefined;

  enter(name: string, at: number = performance.now()): void {
    if (this.current?.name === name) return;
    this.close(at);
    if (!this.ms.has(name)) {
      this.order.push(name);
      this.ms.set(name, 0);
    }
    this.current = { name, since: at };
  }

  step(workflow: string, state: string, at: number = performance.now()): void {
    const phase = PHASE_OF_STATE[workflow]?.[state];
    if (phase !== undefined) this.enter(phase, at);
  }

  end(at: number = performance.now()): void {
    this.close(at);
    this.current = undefined;
  }

  msOf(name: string): number {
    const open = this.current?.name === name ? performance.now() - this.current.since : 0;
    return Math.round((this.ms.get(name) ?? 0) + open);
  }

  phases(): Array<{ name: string; ms: number }> {
    return this.order.map((name) => ({ name, ms: this.msOf(name) }));
  }

  private close(at: number): void {
    if (this.current) this.ms.set(this.current.name, (this.ms.get(this.current.name) ?? 0) + (at - this.current.since));
  }
}
