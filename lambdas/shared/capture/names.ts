/**
 * The change-capture slots of a migration: one logical replication slot (plugin test_decoding)
 * on each database, created before the full comparison reads anything and dropped with the
 * migration. Named per side, so that a source and a target on one server never share a name.
 * Slot names are [a-z0-9_], at most 63 bytes: `ferry_capture_` (14) + id (at most 32, `-` as `_`)
 * + `_source`/`_target` (7) fits.
 */
export function captureSlotName(migrationId: string, side: 'source' | 'target'): string {
  if (!/^[a-z][a-z0-9-]{0,30}[a-z0-9]$/.test(migrationId)) throw new RangeError(`not a migration id: ${migrationId}`);
  return `ferry_capture_${migrationId.replace(/-/g, '_')}_${side}`;
}
