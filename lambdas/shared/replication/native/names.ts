import { createHash } from 'node:crypto';

/** PostgreSQL truncates names at 63 bytes (NAMEDATALEN - 1); slot names must also be [a-z0-9_]. */
const MAX_NAME_LENGTH = 63;
const SLOT_SAFE = /^[a-z_][a-z0-9_]{0,62}$/;
const REVERSE_SUFFIX = '_reverse';

/** The base name is used as publication, subscription and slot name: it must be slot-safe. */
export function assertReplicationName(name: string): void {
  if (!SLOT_SAFE.test(name)) {
    throw new RangeError(`replication name "${name}" must be 1-63 lower-case letters, digits and _, not starting with a digit (it names a replication slot)`);
  }
}

/**
 * The publication, subscription and slot name of the reverse direction: `<name>_reverse`. A base
 * name too long for the suffix is shortened and keeps 8 hex digits of its hash, so two long names
 * that share a prefix still get different reverse names.
 */
export function reverseName(name: string): string {
  assertReplicationName(name);
  if (name.length + REVERSE_SUFFIX.length <= MAX_NAME_LENGTH) return `${name}${REVERSE_SUFFIX}`;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  const keep = MAX_NAME_LENGTH - REVERSE_SUFFIX.length - hash.length - 1;
  return `${name.slice(0, keep)}_${hash}${REVERSE_SUFFIX}`;
}

/**
 * Table synchronization slots a subscription creates on the publisher during the initial copy:
 * `pg_<subscription oid>_sync_<relation oid>_<system id>` (PostgreSQL 14+). A LIKE pattern; the
 * oid is digits, so it holds no wildcard.
 */
export function tablesyncSlotPattern(subscriptionOid: string): string {
  if (!/^\d+$/.test(subscriptionOid)) throw new RangeError(`not an oid: ${subscriptionOid}`);
  return `pg\\_${subscriptionOid}\\_sync\\_%`;
}
