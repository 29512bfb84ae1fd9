import type { TableSelection } from '../../compare/table-patterns';
import { displayName } from '../../pg/identifiers';
import type { CheckOutcome, PreflightCheck } from '../check';
import { readSelectedTables, type SelectedTable } from '../catalog';
import { count, listNames, sentences } from '../text';

function describeSelection(selection: TableSelection): string {
  const include = `include ${JSON.stringify(selection.include)}`;
  return selection.exclude && selection.exclude.length > 0 ? `${include}, exclude ${JSON.stringify(selection.exclude)}` : include;
}

export function tablesSelectedResult(selection: TableSelection, tables: readonly SelectedTable[]): CheckOutcome {
  if (tables.length === 0) {
    return {
      severity: 'error',
      message: sentences(
        `The table selection (${describeSelection(selection)}) matches no table on the source, so there is nothing to migrate.`,
        "Fix the patterns in the migration config: they are 'schema.table', case-sensitive as the catalog spells names, with * and ? as wildcards; check also that the source user can see the schema.",
      ),
      objects: [],
    };
  }
  const names = tables.map(displayName);
  return { severity: 'ok', message: `The selection matches ${count(tables.length, 'table')} on the source: ${listNames(names)}.`, objects: names };
}

export const tablesSelected: PreflightCheck = {
  id: 'tables-selected',
  title: 'The table selection matches at least one table on the source',
  databases: ['source'],
  run: async (ctx) => tablesSelectedResult(ctx.selection, await readSelectedTables(ctx.source, ctx.selection)),
};
