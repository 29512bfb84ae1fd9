import { FerryError } from '../shared/errors';
import type { TableSelection } from '../shared/compare/table-patterns';

const describe = (selection: TableSelection) =>
  `tables.include: ${selection.include.join(', ')}; tables.exclude: ${selection.exclude?.join(', ') || 'none'}`;

/** The selection matches no table of the source: there would be nothing to migrate or compare. */
export class NoTablesSelectedError extends FerryError {
  override readonly name = 'NoTablesSelectedError';

  constructor(migrationId: string, selection: TableSelection) {
    super(
      `No table of the source database matches migration "${migrationId}"'s selection (${describe(selection)}), so nothing ` +
        `can be compared. Check tables.include and tables.exclude in the migration's configuration (cdk.json) against the ` +
        `source's schemas (names are case-sensitive), deploy, and start the migrate workflow again.`,
    );
  }
}

/** More tables than one execution of the workflow can carry in its state (256 KB). */
export class TooManyTablesError extends FerryError {
  override readonly name = 'TooManyTablesError';

  constructor(
    migrationId: string,
    readonly count: number,
    readonly estimatedBytes: number,
    readonly limitBytes: number,
  ) {
    super(
      `Migration "${migrationId}" selects ${count} tables; comparing them in one migrate execution would need about ` +
        `${estimatedBytes} bytes of workflow state for the table list and the results, more than the ${limitBytes} bytes left ` +
        `under Step Functions' 256 KB limit. Nothing was compared; replication keeps running. Narrow tables.include / ` +
        `tables.exclude (or split the tables over several migrations), or compare with \`ferry compare\` instead.`,
    );
  }
}
