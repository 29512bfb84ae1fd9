import { ensureMarkerTable, MARKER_TABLE } from '../../cutover/marker';
import type { Database } from '../../pg/connection';
import { qualifiedName, quoteIdent } from '../../pg/identifiers';
import { ReplicationStartRefusedError } from '../engine';
import type { PublishedTable } from './catalog';
import { isPermissionDenied, serverError } from './errors';
import { findPublication } from './publication';
import { findSubscription } from './subscription';

/**
 * The cutover marker table rides along with the selected tables in both directions (see
 * lambdas/shared/cutover/marker.ts). It is never part of the selection (Ferry's schema is never
 * selected), so none of the selected tables' preconditions apply to it: it has no primary key,
 * and the target's copy may already hold rows.
 */
export const MARKER_PUBLISHED: PublishedTable = { ...MARKER_TABLE, kind: 'table' };

export function isMarkerTable(table: { schema: string; name: string }): boolean {
  return table.schema === MARKER_TABLE.schema && table.name === MARKER_TABLE.name;
}

/** A subscription cannot name a table its subscriber lacks, so both sides get it first. */
export async function ensureMarkerTables(publisher: Database, subscriber: Database): Promise<void> {
  for (const db of [publisher, subscriber]) {
    try {
      await ensureMarkerTable(db);
    } catch (error) {
      if (!isPermissionDenied(error)) throw error;
      throw new ReplicationStartRefusedError(
        `Creating Ferry's cutover marker table ${MARKER_TABLE.schema}.${MARKER_TABLE.name} on the ${db.label} was refused: it needs ` +
          `CREATE on the database (for schema "${MARKER_TABLE.schema}"), or the schema created beforehand and owned by Ferry's role. ` +
          `The cutover cannot prove that replication drained without it; start() again once fixed. PostgreSQL said: ${serverError(error)!.message}`,
        { cause: error },
      );
    }
  }
}

/**
 * Makes the replication `name` carry the marker table, whenever it was set up: the table on both
 * sides, in the publication (ALTER PUBLICATION ... ADD TABLE), and known to the running
 * subscription (REFRESH PUBLICATION, which needs it enabled). Without a copy: marker rows already
 * on the publisher belong to earlier attempts, and only markers written from now on are waited
 * for (a copy would also need the replication user to have SELECT on the table).
 *
 * Done after the subscription exists rather than before, so that a replication set up by an older
 * Ferry is brought up to date by the same steps, and so that a missing privilege to publish or to
 * subscribe is reported as such, before one to create the marker table.
 */
export async function carryMarker(publisher: Database, subscriber: Database, name: string): Promise<void> {
  const subscription = await findSubscription(subscriber, name);
  const publication = await findPublication(publisher, name);
  if (!subscription || !publication) return;
  await ensureMarkerTables(publisher, subscriber);
  const marker = qualifiedName(MARKER_TABLE);
  const [published] = await publisher.query<{ found: boolean }>(
    'select exists (select 1 from pg_publication_rel where prpubid = $1::oid and prrelid = to_regclass($2)) as found',
    [publication.oid, marker],
  );
  if (!published!.found) await publisher.query(`alter publication ${quoteIdent(name)} add table only ${marker}`);
  const [subscribed] = await subscriber.query<{ found: boolean }>(
    'select exists (select 1 from pg_subscription_rel where srsubid = $1::oid and srrelid = to_regclass($2)) as found',
    [subscription.oid, marker],
  );
  if (!subscribed!.found && subscription.enabled) {
    await subscriber.query(`alter subscription ${quoteIdent(name)} refresh publication with (copy_data = false)`);
  }
}
