import type { ReplicationEngine } from './engine';

/** What undoing the reverse replication did. */
export interface UndoReverseOutput {
  readonly action: 'undone' | 'nothing-to-undo';
  readonly message: string;
}

/**
 * Removes the reverse replication (target -> source), if there is one, and resumes forward
 * replication: what a cutover that backs off needs (the reverse-replication step's `undo`, and the
 * back-out step). Safe to repeat.
 */
export async function undoReverse(engine: ReplicationEngine): Promise<UndoReverseOutput> {
  const reverse = await engine.reverse();
  if (reverse === undefined) {
    const started = await engine.start();
    return { action: 'nothing-to-undo', message: `No reverse replication to remove; forward replication: ${started.message}` };
  }
  await reverse.stop();
  const started = await engine.start();
  return { action: 'undone', message: `Reverse replication removed; forward replication: ${started.message}` };
}
