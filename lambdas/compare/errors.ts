import { FerryError } from '../shared/errors';
import type { TableSelection } from '../shared/compare/table-patterns';
import { displayName, type TableName } from '../shared/pg/identifiers';

/** The exact table is not one of the migration's tables: the selection does not include it. */
export class TableNotSelectedError extends FerryError {
  override readonly name = 'TableNotSelectedError';

  constructor(migrationId: string, table: TableName, selection: TableSelection) {
    super(
      `Table "${displayName(table)}" is not selected by migration "${migrationId}" (tables.include: ` +
        `${selection.include.join(', ')}; tables.exclude: ${selection.exclude?.join(', ') || 'none'}), so it is not compared. ` +
        `If the configuration changed while the workflow ran, start the migrate workflow again with "restart": true ` +
        `so that it lists the tables again.`,
    );
  }
}

/** The exact table exists on neither database: it was dropped or renamed after the tables were listed. */
export class TableNotFoundError extends FerryError {
  override readonly name = 'TableNotFoundError';

  constructor(migrationId: string, table: TableName) {
    super(
      `Table "${displayName(table)}" of migration "${migrationId}" exists on neither the source nor the target ` +
        `(an ordinary or partitioned table, not a partition), so there is nothing to compare. It was dropped or renamed ` +
        `after the tables were listed: start the migrate workflow again with "restart": true so that it lists the tables again.`,
    );
  }
}
