import { ReplicationStartRefusedError } from '../engine';
import type { PublishableTables, PublishedTable, SubscriberTables } from './catalog';

/**
 * The publisher's selected tables, or a refusal naming every table that cannot be published.
 * A table without a replica identity is refused rather than published: once in a publication
 * that publishes updates and deletes, every UPDATE and DELETE on it fails, for the applications.
 */
export function assertPublishable(found: PublishableTables, database: string): PublishedTable[] {
  if (found.tables.length === 0) {
    throw new ReplicationStartRefusedError(`No table of the ${database} matches the table selection; there is nothing to replicate.`);
  }
  if (found.unlogged.length > 0) {
    throw new ReplicationStartRefusedError(
      `These tables are UNLOGGED on the ${database}, and logical replication cannot carry them: ${list(found.unlogged)}. ` +
        `ALTER TABLE ... SET LOGGED, or leave them out of the selection.`,
    );
  }
  if (found.withoutIdentity.length > 0) {
    throw new ReplicationStartRefusedError(
      `These tables on the ${database} have no primary key or replica identity, so their UPDATEs and DELETEs could not be ` +
        `replicated (and would fail once published): ${list(found.withoutIdentity)}. Add a primary key, or ALTER TABLE ... ` +
        `REPLICA IDENTITY FULL (slower) or USING INDEX.`,
    );
  }
  return found.tables;
}

/**
 * Before an initial copy: every table exists on the subscriber and is empty. Ferry never empties
 * a table itself (a wrong target in the configuration would lose data); the operator does.
 */
export function assertSubscriberReady(found: SubscriberTables, database: string, reload: boolean): void {
  if (found.missing.length > 0) {
    throw new ReplicationStartRefusedError(
      `These tables do not exist on the ${database}: ${list(found.missing)}. Create the schema on the target first ` +
        `(logical replication copies rows, not DDL).`,
    );
  }
  if (found.nonEmpty.length > 0) {
    throw new ReplicationStartRefusedError(
      `These tables on the ${database} already hold rows: ${list(found.nonEmpty)}. The initial copy would collide with them. ` +
        `Empty them (TRUNCATE) and start again${reload ? '' : ' (with reload if the subscription exists)'}.`,
    );
  }
}

function list(names: readonly string[]): string {
  return names.length <= 20 ? names.join(', ') : `${names.slice(0, 20).join(', ')} and ${names.length - 20} more`;
}
