import type { CheckpointStore } from '../../checkpoints';

/**
 * Where a comparison keeps its progress, so that a run cut short (time budget, crash) resumes and
 * redoes at most the segment that was in flight. The checkpoint table in AWS; memory for the CLI.
 */
export interface CompareLedger {
  /** Runs `fn` once per name and returns its stored result afterwards (CheckpointStore.runStep). */
  runStep<T>(name: string, fn: () => Promise<T>): Promise<T>;
  putSegment(table: string, n: number, result: object): Promise<void>;
  /** Finished segments of a table, by number. */
  listSegments(table: string): Promise<Map<number, unknown>>;
}

export class MemoryLedger implements CompareLedger {
  private readonly steps = new Map<string, unknown>();
  private readonly segments = new Map<string, Map<number, unknown>>();

  async runStep<T>(name: string, fn: () => Promise<T>): Promise<T> {
    if (this.steps.has(name)) return this.steps.get(name) as T;
    const value = await fn();
    // Stored as JSON, like the checkpoint table, so a replay returns exactly what a resume would.
    const stored = value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as T);
    this.steps.set(name, stored);
    return stored as T;
  }

  async putSegment(table: string, n: number, result: object): Promise<void> {
    const forTable = this.segments.get(table) ?? new Map<number, unknown>();
    forTable.set(n, JSON.parse(JSON.stringify(result)));
    this.segments.set(table, forTable);
  }

  async listSegments(table: string): Promise<Map<number, unknown>> {
    return new Map(this.segments.get(table) ?? []);
  }
}

/** The checkpoint table, for one comparison run. */
export function checkpointLedger(store: CheckpointStore, runId: string): CompareLedger {
  return {
    runStep: (name, fn) => store.runStep(runId, name, fn),
    putSegment: (table, n, result) => store.putSegment(runId, table, n, { status: 'done', result: result as Record<string, unknown> }),
    listSegments: async (table) => {
      const records = await store.listSegments(runId, table);
      return new Map(records.filter((r) => r.status === 'done').map((r) => [r.n, r.result]));
    },
  };
}
