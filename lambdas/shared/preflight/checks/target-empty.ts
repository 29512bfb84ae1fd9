import type { Database } from '../../pg/connection';
import { displayName, qualifiedName } from '../../pg/identifiers';
import type { CheckOutcome, PreflightCheck, ReplicationReading } from '../check';
import { readSelectedTables, type SelectedTable } from '../catalog';
import { allOf, capitalize, count, listNames, sentences } from '../text';

export interface TargetTables {
  /** Selected tables that exist on the target. */
  readonly checked: number;
  /** Those that hold rows, as displayed names. */
  readonly withRows: readonly string[];
}

/**
 * Rows in the target tables before the full load would be duplicated or break it, unless the
 * migration's replication already runs (a re-run, `restart`): then they come from it. A state that
 * could not be read counts as not started, and the message says why.
 */
export function targetEmptyResult(replication: ReplicationReading | undefined, tables: TargetTables): CheckOutcome {
  const { checked, withRows } = tables;
  const holding = withRows.length > 0 && `${count(withRows.length, 'target table')} already hold${withRows.length === 1 ? 's' : ''} rows: ${listNames(withRows)}.`;
  if (replication?.known && replication.state !== 'not-started') {
    return {
      severity: 'info',
      message: sentences(
        `This migration's replication already exists (its engine reports ${replication.state}), so the rows on the target come from it and are not in its way (the check does not block).`,
        holding || `${capitalize(allOf(checked, 'selected table'))} on the target ${checked === 1 ? 'is' : 'are'} empty so far.`,
      ),
      objects: withRows,
    };
  }
  const unknown = replication?.known === false && `Ferry could not tell whether this migration's replication already runs (${replication.reason}), so it counts as not started.`;
  if (withRows.length === 0) {
    return {
      severity: 'ok',
      message: sentences(
        checked === 0 ? 'None of the selected tables exists on the target yet (the schema check reports missing tables).' : `${capitalize(allOf(checked, 'selected table'))} on the target ${checked === 1 ? 'is' : 'are'} empty.`,
        unknown,
      ),
      objects: [],
    };
  }
  return {
    severity: 'error',
    message: sentences(
      holding,
      'The full load copies every source row, so these rows would be duplicated, or the load would fail on unique keys, and the comparison would report them as extra.',
      'If nothing in them is needed, empty them on the target (TRUNCATE TABLE ...), or point the migration at an empty target; then run preflight again.',
      unknown && `${unknown} If it does run (a restart), the rows come from it: waive "target-empty".`,
    ),
    objects: withRows,
  };
}

/** Tables per statement: one `exists` per table, so a statement stays small and each probe reads at most one row. */
const TABLES_PER_STATEMENT = 100;

export async function tablesWithRows(db: Database, tables: readonly SelectedTable[]): Promise<string[]> {
  const withRows: string[] = [];
  for (let start = 0; start < tables.length; start += TABLES_PER_STATEMENT) {
    const batch = tables.slice(start, start + TABLES_PER_STATEMENT);
    const [row] = await db.query<Record<string, boolean>>(
      `select ${batch.map((t, i) => `exists (select 1 from ${qualifiedName(t)}) as "t${i}"`).join(', ')}`,
    );
    batch.forEach((t, i) => {
      if (row?.[`t${i}`]) withRows.push(displayName(t));
    });
  }
  return withRows;
}

export const targetEmpty: PreflightCheck = {
  id: 'target-empty',
  title: "The selected tables on the target are empty before the full load (info, not blocking, when the migration's replication already runs)",
  databases: ['target'],
  async run(ctx) {
    const [replication, tables] = await Promise.all([ctx.replicationState?.(), readSelectedTables(ctx.target, ctx.selection)]);
    return targetEmptyResult(replication, { checked: tables.length, withRows: await tablesWithRows(ctx.target, tables) });
  },
};
