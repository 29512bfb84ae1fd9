import { captureSlotName } from '../shared/capture/names';
import { CAPTURE_PLUGIN } from '../shared/capture/slot';
import { FERRY_SCHEMA } from '../shared/compare/table-patterns';
import { MARKER_TABLE } from '../shared/cutover/marker';
import { nativeReplicationName, type MigrationConfig } from '../shared/migration-config';
import type { Database } from '../shared/pg/connection';
import { qualifiedName, quoteIdent } from '../shared/pg/identifiers';
import { dmsReverseSlotName } from '../shared/replication/dms/resources';
import { reverseName } from '../shared/replication/native/names';
import { dropSlots } from '../shared/replication/native/slots';

/**
 * How long a slot still held by a WAL sender (a DMS task that is stopping) is waited for before its
 * sender is ended. A wait inside the finish function's 15 minutes, not an operator's choice: a
 * stopping task lets go in seconds.
 */
const SLOT_RELEASE_MS = 60_000;

/** The names a migration's replication objects carry on either database: publications, subscriptions, slots. */
export function replicationObjectNames(migration: MigrationConfig): string[] {
  const names = [captureSlotName(migration.id, 'source'), captureSlotName(migration.id, 'target')];
  if (migration.replication.engine === 'native') names.push(nativeReplicationName(migration), reverseName(nativeReplicationName(migration)));
  else names.push(dmsReverseSlotName(migration.id));
  return names;
}

/**
 * The oids of the migration's subscriptions as one database sees them: those that live on it
 * (their replication origins are here) and those that read from it (their table-sync slots are here).
 */
export interface SubscriptionsOf {
  readonly here: readonly string[];
  readonly publishedFromHere: readonly string[];
}

/**
 * Table-sync slots (`pg_<subscription oid>_sync_<relation oid>_<system id>`) that the given
 * subscriptions left on the database they read from: an interrupted initial copy or drop leaves
 * them. They are the migration's by their subscription's oid. Returns the names dropped.
 */
export async function dropSyncSlots(db: Database, subscriptionOids: readonly string[]): Promise<string[]> {
  if (subscriptionOids.length === 0) return [];
  const rows = await db.query<{ name: string }>(
    `select slot_name::text as name from pg_replication_slots
      where database = current_database() and exists (select 1 from unnest($1::text[]) o where slot_name::text like 'pg\\_' || o || '\\_sync\\_%')`,
    [[...subscriptionOids]],
  );
  const dropped: string[] = [];
  for (const { name } of rows) if (await dropNamedSlot(db, name)) dropped.push(name);
  return dropped;
}

/**
 * What of the migration is still on one database: slots, publications and subscriptions with its
 * names (and the table-sync slots of its subscriptions), replication origins of its
 * subscriptions, Ferry's marker table. Empty once the migration is finished.
 */
export async function leftoversOn(
  db: Database,
  migration: MigrationConfig,
  subscriptions: SubscriptionsOf,
  options: { readonly markerTable: boolean; readonly slots?: readonly string[] } = { markerTable: true },
): Promise<string[]> {
  const names = [...replicationObjectNames(migration), ...(options.slots ?? [])];
  const rows = await db.query<{ what: string }>(
    `select 'replication slot ' || quote_ident(slot_name::text) as what from pg_replication_slots
      where database = current_database()
        and (slot_name::text = any($1::text[]) or exists (select 1 from unnest($5::text[]) o where slot_name::text like 'pg\\_' || o || '\\_sync\\_%'))
     union all
     select 'publication ' || quote_ident(pubname) from pg_publication where pubname = any($1::text[])
     union all
     select 'subscription ' || quote_ident(subname) from pg_subscription
      where subdbid = (select oid from pg_database where datname = current_database()) and subname = any($1::text[])
     union all
     select 'replication origin ' || quote_ident(roname) from pg_replication_origin
      where exists (select 1 from unnest($2::text[]) o where roname = 'pg_' || o or roname like 'pg\\_' || o || '\\_%')
     union all
     select 'table ' || $3 from pg_class where $4 and oid = to_regclass($3)
     order by 1`,
    [names, [...subscriptions.here], qualifiedName(MARKER_TABLE), options.markerTable, [...subscriptions.publishedFromHere]],
  );
  return rows.map((r) => r.what);
}

/**
 * Drops the replication origins of subscriptions that are gone (DROP SUBSCRIPTION drops its own;
 * one whose drop was interrupted can leave them). Returns the names dropped.
 */
export async function dropOrigins(db: Database, subscriptionOids: readonly string[]): Promise<string[]> {
  if (subscriptionOids.length === 0) return [];
  const rows = await db.query<{ roname: string }>(
    `select roname::text from pg_replication_origin r
      where exists (select 1 from unnest($1::text[]) o where roname = 'pg_' || o or roname like 'pg\\_' || o || '\\_%')
        and not exists (select 1 from pg_subscription s where roname = 'pg_' || s.oid::text or roname like 'pg\\_' || s.oid::text || '\\_%')`,
    [[...subscriptionOids]],
  );
  for (const { roname } of rows) await db.query('select pg_replication_origin_drop($1)', [roname]);
  return rows.map((r) => r.roname);
}

/**
 * Drops Ferry's cutover marker table, and Ferry's schema when nothing else is in it, unless
 * another replication on this database still carries the table (a publication or subscription
 * of another migration) or another migration's change capture runs here. Returns what it did.
 */
export async function dropMarkerTable(db: Database): Promise<{ readonly dropped: boolean; readonly why?: string }> {
  const marker = qualifiedName(MARKER_TABLE);
  const [row] = await db.query<{ exists: boolean; published: string | null; subscribed: string | null; captures: string | null }>(
    `select to_regclass($1) is not null as exists,
            (select string_agg(p.pubname, ', ') from pg_publication_rel r join pg_publication p on p.oid = r.prpubid where r.prrelid = to_regclass($1)) as published,
            (select string_agg(s.subname, ', ') from pg_subscription_rel r join pg_subscription s on s.oid = r.srsubid where r.srrelid = to_regclass($1)) as subscribed,
            (select string_agg(slot_name::text, ', ') from pg_replication_slots where database = current_database() and plugin = $2 and slot_name::text like 'ferry\\_capture\\_%') as captures`,
    [marker, CAPTURE_PLUGIN],
  );
  if (!row!.exists) return { dropped: false };
  const users = [
    row!.published && `publication(s) ${row!.published}`,
    row!.subscribed && `subscription(s) ${row!.subscribed}`,
    row!.captures && `change capture of other migrations (${row!.captures})`,
  ].filter(Boolean);
  if (users.length > 0) return { dropped: false, why: `kept ${marker} on the ${db.label}: ${users.join('; ')} still use it` };
  await db.query(`drop table if exists ${marker}`);
  const [schema] = await db.query<{ empty: boolean }>(
    `select not exists (select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1)
        and not exists (select 1 from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = $1)
        and not exists (select 1 from pg_type t join pg_namespace n on n.oid = t.typnamespace where n.nspname = $1) as empty`,
    [FERRY_SCHEMA],
  );
  if (schema!.empty) await db.query(`drop schema if exists ${quoteIdent(FERRY_SCHEMA)}`);
  return { dropped: true };
}

/**
 * DMS creates the forward replication's slot on the source under a name of its own and leaves it
 * there when the task stops. Once the task is stopped, the source's logical slots that decode with
 * DMS's plugin in this database and carry no name Ferry, PostgreSQL subscriptions or pglogical
 * give are DMS's candidates. A WAL sender may hold one for a while (the task is still stopping),
 * so they are waited for, up to `waitMs`. Exactly one candidate, not in use, is DMS's slot; with
 * several, or one still in use, none is chosen (it may belong to another tool or another
 * migration, and a slot that is not proven ours is never taken from its WAL sender).
 */
export async function findDmsForwardSlot(source: Database, waitMs = SLOT_RELEASE_MS): Promise<{ readonly slot?: string; readonly undecided: readonly string[] }> {
  const until = Date.now() + waitMs;
  for (;;) {
    const rows = await source.query<{ name: string; active: boolean }>(
      `select slot_name::text as name, active from pg_replication_slots
        where database = current_database() and slot_type = 'logical' and plugin = $1
          and slot_name::text not like 'ferry\\_%' and slot_name::text not like 'pg\\_%' and slot_name::text not like 'pgl\\_%'
        order by 1`,
      [CAPTURE_PLUGIN],
    );
    const active = rows.filter((r) => r.active);
    if (active.length === 0 || Date.now() >= until) {
      if (rows.length === 1 && active.length === 0) return { slot: rows[0]!.name, undecided: [] };
      return { undecided: rows.map((r) => (r.active ? `${r.name} (in use by a WAL sender)` : r.name)) };
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** Drops one named slot in the connected database, waiting for a WAL sender to let go; true when it was there. */
export async function dropNamedSlot(db: Database, name: string): Promise<boolean> {
  return (await dropSlots(db, name, undefined, SLOT_RELEASE_MS)).length > 0;
}
