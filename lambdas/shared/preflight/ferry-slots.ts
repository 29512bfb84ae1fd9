import { captureSlotName } from '../capture/names';
import { nativeReplicationName, type MigrationConfig } from '../migration-config';
import { dmsReverseSlotName } from '../replication/dms/resources';
import { reverseName } from '../replication/native/names';
import type { Engine, FerrySlots, Side } from './check';

/**
 * The slots Ferry creates for a migration with this id: a capture slot on each database, the
 * native replication's slot on the source, and the reverse replication's slot on the target.
 *
 * @param replicationName native only: the publication, subscription and slot name.
 * @throws RangeError for an id or replication name that cannot name a slot.
 */
export function ferrySlotNames(migrationId: string, engine: Engine, replicationName?: string): FerrySlots {
  const source = { capture: captureSlotName(migrationId, 'source') };
  if (engine === 'dms') return { source, target: { capture: captureSlotName(migrationId, 'target'), reverse: dmsReverseSlotName(migrationId) } };
  const name = replicationName ?? defaultReplicationName(migrationId);
  return { source: { ...source, replication: name }, target: { capture: captureSlotName(migrationId, 'target'), reverse: reverseName(name) } };
}

/** The slots of a configured migration. */
export function ferrySlotsOf(migration: MigrationConfig): FerrySlots {
  const engine = migration.replication.engine === 'native' ? 'native' : 'dms';
  return ferrySlotNames(migration.id, engine, engine === 'native' ? nativeReplicationName(migration) : undefined);
}

/**
 * The native replication name of a migration that does not set `replicationName`, for callers
 * without a configuration (the CLI). The same rule as nativeReplicationName, which a test holds it to.
 */
export function defaultReplicationName(migrationId: string): string {
  return `ferry_${migrationId.replace(/-/g, '_')}`;
}

/** Every name Ferry uses on that database. */
export function slotNamesOn(slots: FerrySlots | undefined, side: Side): string[] {
  if (slots === undefined) return [];
  const names = side === 'source' ? [slots.source.capture, slots.source.replication] : [slots.target.capture, slots.target.reverse];
  return names.filter((n): n is string => n !== undefined);
}
