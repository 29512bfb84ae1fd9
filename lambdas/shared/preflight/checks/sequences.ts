import { chooseSequences, type SequenceChoice } from '../../cutover/sequences';
import type { CheckOutcome, PreflightCheck } from '../check';
import { readSelectedTables } from '../catalog';
import { count, listNames, sentences } from '../text';

/** `public.orders_id_seq (identity of public.orders.id)`. */
const described = (c: SequenceChoice) => `${c.sequence} (${c.reason})`;

/**
 * What the cutover's sync-sequences step will do, decided by the function that step uses
 * (chooseSequences): every sequence it moves, and every sequence of the selected tables' schemas
 * that it leaves alone, each with the reason. `moved` and `left` are in name order.
 */
export function sequencesResult(moved: readonly SequenceChoice[], left: readonly SequenceChoice[]): CheckOutcome {
  if (moved.length === 0 && left.length === 0) {
    return { severity: 'ok', message: 'No sequence to move at cutover: no selected column takes its values from one, and the selected schemas hold none.', objects: [] };
  }
  return {
    severity: 'warning',
    message: sentences(
      moved.length > 0 &&
        `At cutover Ferry moves ${count(moved.length, 'sequence')} on the target past the source's value${moved.length === 1 ? '' : 's'}: ${listNames(moved.map(described))}.`,
      moved.length > 0 &&
        'Replication copies rows but not sequence positions, so until then the target sequences lag behind the source: do not insert rows on the target before cutover.',
      left.length > 0 &&
        `It leaves ${count(left.length, 'sequence')} of the selected schemas alone: ${listNames(left.map(described))}. ` +
          'If the application calls nextval on one of these itself (not through a selected column default), select its table, or give it a default on a selected table, so the cutover moves it; otherwise inserts on the target may reuse its values.',
    ),
    objects: [...moved, ...left].map((c) => c.sequence),
  };
}

export const sequences: PreflightCheck = {
  id: 'sequences',
  title: 'The sequences the cutover moves (owned by, or called in a default of, a selected table) and those of the selected schemas it leaves alone, with why',
  databases: ['source'],
  async run(ctx) {
    const [tables, choices] = await Promise.all([readSelectedTables(ctx.source, ctx.selection), chooseSequences(ctx.source, ctx.selection)]);
    const schemas = new Set(tables.map((t) => t.schema));
    const moved = choices.filter((c) => c.moved);
    return sequencesResult(
      moved,
      choices.filter((c) => !c.moved && schemas.has(c.schema)),
    );
  },
};
