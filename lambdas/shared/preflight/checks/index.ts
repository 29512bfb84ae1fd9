import type { PreflightCheck } from '../check';
import { backups } from './backups';
import { connectivity } from './connectivity';
import { extensions } from './extensions';
import { lobSize } from './lob-size';
import { logicalDecoding } from './logical-decoding';
import { longRunningTransactions } from './long-running-transactions';
import { maxSlotWalKeepSize } from './max-slot-wal-keep-size';
import { preparedTransactions } from './prepared-transactions';
import { replicaIdentity } from './replica-identity';
import { replicationSlots } from './replication-slots';
import { schema } from './schema';
import { sequences } from './sequences';
import { serverVersion } from './server-version';
import { sourcePrivileges } from './source-privileges';
import { ssl } from './ssl';
import { subscriptionWorkers } from './subscription-workers';
import { tablesSelected } from './tables-selected';
import { targetEmpty } from './target-empty';
import { targetPrivileges } from './target-privileges';
import { walSenders } from './wal-senders';

/**
 * Every preflight check, in report order: can we connect, and safely; what the servers are and
 * whether they can replicate at all; what is running on the source right now; then the tables.
 */
export const PREFLIGHT_CHECKS: readonly PreflightCheck[] = [
  connectivity,
  ssl,
  serverVersion,
  sourcePrivileges,
  targetPrivileges,
  logicalDecoding,
  replicationSlots,
  walSenders,
  subscriptionWorkers,
  maxSlotWalKeepSize,
  backups,
  longRunningTransactions,
  preparedTransactions,
  tablesSelected,
  replicaIdentity,
  lobSize,
  sequences,
  extensions,
  schema,
  targetEmpty,
];

/** The id of every check, in report order: what `waive` accepts. */
export const CHECK_IDS: readonly string[] = PREFLIGHT_CHECKS.map((c) => c.id);
