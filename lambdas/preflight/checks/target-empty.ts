import type { Database } from '../../shared/pg/connection';
import { displayName, qualifiedName } from '../../shared/pg/identifiers';
import type { CheckOutcome, PreflightCheck } from '../check';
import { readSelectedTables, type SelectedTable } from '../catalog';
import { allOf, capitalize, count, listNames, sentences } from '../text';

export function targetEmptyResult(checked: number, withRows: readonly string[]): CheckOutcome {
  if (withRows.length === 0) {
    return {
      severity: 'ok',
      message: checked === 0 ? 'None of the selected tables exists on the target yet (the schema check reports missing tables).' : `${capitalize(allOf(checked, 'selected table'))} on the target ${checked === 1 ? 'is' : 'are'} empty.`,
      objects: [],
    };
  }
  return {
    severity: 'error',
    message: sentences(
      `${count(withRows.length, 'target table')} already hold${withRows.length === 1 ? 's' : ''} rows: ${listNames(withRows)}.`,
      'The full load copies every source row, so these rows would be duplicated, or the load would fail on unique keys, and the comparison would report them as extra.',
      'If nothing in them is needed, empty them on the target (TRUNCATE TABLE ...), or point the migration at an empty target; then run preflight again.',
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
  title: 'The selected tables on the target are empty before the full load',
  databases: ['target'],
  async run(ctx) {
    const tables = await readSelectedTables(ctx.target, ctx.selection);
    return targetEmptyResult(tables.length, await tablesWithRows(ctx.target, tables));
  },
};
