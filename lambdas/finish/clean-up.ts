import { FINISH_OBJECTS_KIND, type CleanupReport } from '../shared/catalog/reports';
import type { CheckpointStore, VerificationLease } from '../shared/checkpoints';
import { nativeReplicationName, type MigrationConfig } from '../shared/migration-config';
import type { Database } from '../shared/pg/connection';
import type { ReplicationEngine } from '../shared/replication/engine';
import { dmsReverseSlotName } from '../shared/replication/dms/resources';
import { reverseName } from '../shared/replication/native/names';
import { findSubscription } from '../shared/replication/native/subscription';
import { dropCapture } from '../shared/verification/capture';
import { CleanupIncompleteError } from './errors';
import { dropMarkerTable, dropNamedSlot, dropOrigins, dropSyncSlots, findDmsForwardSlot, leftoversOn } from './leftovers';

export interface CleanupContext {
  readonly migration: MigrationConfig;
  readonly engine: ReplicationEngine;
  readonly source: Database;
  readonly target: Database;
  readonly store: CheckpointStore;
  /** The verification lease, held while the capture slots are dropped (a round may be reading them). */
  readonly lease: VerificationLease;
  readonly now: () => number;
}

export type { CleanupReport };

/**
 * Ends the migration on both databases: stops replication in both directions (DMS tasks or
 * replication configs are stopped; native subscriptions, their slots and publications dropped),
 * drops the change-capture slots, DMS's slots, replication origins left by interrupted drops and
 * Ferry's marker table, then looks again and throws CleanupIncompleteError naming whatever is
 * still there. Safe to repeat: a second run finds nothing to do and says so.
 */
export async function cleanUpMigration(ctx: CleanupContext): Promise<CleanupReport> {
  const { migration, engine, source, target } = ctx;
  const removed: string[] = [];
  const kept: string[] = [];
  // What the cleanup will drop, recorded before it drops anything: subscription oids name their
  // origins and table-sync slots, which a retry after a crash could no longer find once the
  // subscriptions are gone; DMS's slot, once chosen, is the only one a retry may drop.
  const recorded = (await ctx.store.latestReport(migration.id, FINISH_OBJECTS_KIND))?.report;
  const objects: { forward: string[]; reverse: string[]; dmsSlot?: string } = { forward: [...(recorded?.forward ?? [])], reverse: [...(recorded?.reverse ?? [])], ...(recorded?.dmsSlot ? { dmsSlot: recorded.dmsSlot } : {}) };
  if (migration.replication.engine === 'native') {
    const name = nativeReplicationName(migration);
    const forward = await findSubscription(target, name);
    const reverse = await findSubscription(source, reverseName(name));
    if (forward && !objects.forward.includes(forward.oid)) objects.forward.push(forward.oid);
    if (reverse && !objects.reverse.includes(reverse.oid)) objects.reverse.push(reverse.oid);
  }
  const record = () => ctx.store.putReport(migration.id, FINISH_OBJECTS_KIND, objects);
  await record();

  const reverse = await engine.reverse();
  if (reverse !== undefined) removed.push(`reverse replication: ${(await reverse.stop()).message}`);
  const forward = await engine.stop();
  if (forward.action === 'stopped') removed.push(`forward replication: ${forward.message}`);
  const capture = await dropCapture(ctx, 'the migration was finished');
  removed.push(...capture.map((slot) => `change-capture slot ${slot}`));

  if (migration.replication.engine !== 'native') {
    if (await dropNamedSlot(target, dmsReverseSlotName(migration.id))) removed.push(`DMS reverse slot ${dmsReverseSlotName(migration.id)} on the ${target.label}`);
    if (objects.dmsSlot === undefined) {
      const found = await findDmsForwardSlot(source);
      if (found.slot !== undefined) {
        objects.dmsSlot = found.slot;
        await record();
      } else if (found.undecided.length > 0) {
        kept.push(
          `logical slots on the ${source.label} that may be DMS's: ${found.undecided.join(', ')}. Ferry cannot tell which one DMS created, so it dropped none: ` +
            `once the DMS task is stopped, drop DMS's with SELECT pg_drop_replication_slot('<name>') (each keeps WAL on the source until dropped)`,
        );
      }
    }
    if (objects.dmsSlot !== undefined && (await dropNamedSlot(source, objects.dmsSlot))) removed.push(`DMS's slot ${objects.dmsSlot} on the ${source.label}`);
  }

  // The forward subscription lives on the target and reads the source; the reverse one the other way round.
  const sides = [
    { db: source, subscriptions: { here: objects.reverse, publishedFromHere: objects.forward } },
    { db: target, subscriptions: { here: objects.forward, publishedFromHere: objects.reverse } },
  ];
  const left: string[] = [];
  for (const { db, subscriptions } of sides) {
    removed.push(...(await dropSyncSlots(db, subscriptions.publishedFromHere)).map((slot) => `table-sync slot ${slot} on the ${db.label}`));
    removed.push(...(await dropOrigins(db, subscriptions.here)).map((o) => `replication origin ${o} on the ${db.label}`));
    const marker = await dropMarkerTable(db);
    if (marker.dropped) removed.push(`Ferry's marker table on the ${db.label}`);
    if (marker.why !== undefined) kept.push(marker.why);
    const still = await leftoversOn(db, migration, subscriptions, { markerTable: marker.why === undefined, slots: db === source && objects.dmsSlot ? [objects.dmsSlot] : [] });
    left.push(...still.map((w) => `${w} on the ${db.label}`));
  }
  if (left.length > 0) throw new CleanupIncompleteError(migration.id, left);
  kept.push(...(await keptOnPurpose(ctx)));
  return { removed: removed.length > 0 ? removed : ['nothing was left to remove'], kept };
}

/** What the finish leaves on the databases on purpose, said so that nobody has to find it. */
async function keptOnPurpose(ctx: CleanupContext): Promise<string[]> {
  const kept: string[] = [];
  for (const [side, db] of [['source', ctx.source], ['target', ctx.target]] as const) {
    const freeze = await ctx.store.getFreeze(ctx.migration.id, side);
    if (freeze !== undefined && freeze.status !== 'thawed') {
      kept.push(`writes of ${freeze.roles.join(', ') || 'the application roles'} on the ${db.label} stay frozen (${freeze.method}, run ${freeze.runId}), so a client still pointed there fails instead of writing where nobody reads`);
    }
    if (ctx.migration.replication.engine !== 'native') {
      const rows = await db.query<{ name: string }>(
        `select n.nspname || '.' || c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where c.relkind = 'r' and c.relname like 'awsdms\\_%' order by 1`,
      );
      if (rows.length > 0) kept.push(`DMS's own tables on the ${db.label} (${rows.map((r) => r.name).join(', ')}): they may hold apply exceptions worth reading; drop them afterwards`);
    }
  }
  return kept;
}
