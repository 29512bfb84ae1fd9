import type { CompareProgress } from '../../lambdas/shared/compare/data/types';

/** Where progress goes: stderr (`errStream(io)`), or anything stream-like. */
interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number | undefined;
}

/**
 * Progress of a long comparison on stderr: one line rewritten in place on a terminal, plain
 * lines at most every 10 s otherwise (CI logs, files). Silent when disabled.
 */
export function progressReporter(stream: ProgressStream, enabled: boolean, now: () => number = () => Date.now()): { update(p: CompareProgress): void; done(): void } {
  const tty = stream.isTTY === true;
  const state = new Map<string, CompareProgress>();
  // Plain lines only for runs long enough to need them.
  let lastPlain = now();
  let shown = false;
  const line = () => {
    const tables = [...state.values()];
    const rows = tables.reduce((a, t) => a + t.rowsDone, 0);
    const busy = tables.filter((t) => t.segmentsDone < t.segmentsTotal);
    const current = busy.map((t) => `${t.table} ${t.segmentsDone}/${t.segmentsTotal}`).join(', ');
    return `comparing: ${rows.toLocaleString('en')} rows, ${tables.length - busy.length} table(s) done${current ? `; ${current}` : ''}`;
  };
  return {
    update(p) {
      if (!enabled) return;
      state.set(p.table, p);
      if (tty) {
        stream.write(`\r\x1b[2K${line().slice(0, (stream.columns ?? 120) - 1)}`);
        shown = true;
      } else if (now() - lastPlain >= 10_000) {
        lastPlain = now();
        stream.write(`${line()}\n`);
      }
    },
    done() {
      if (tty && shown) stream.write('\r\x1b[2K');
    },
  };
}
