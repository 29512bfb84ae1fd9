import type { Database } from '../../pg/connection';
import { isPermissionDenied } from './errors';
import { supports } from './server';

/**
 * Replication origins on the publisher's server other than those of subscriptions in other
 * databases: each one means changes are replicated INTO the publisher's database by something
 * (a subscription, pglogical, ...). Origin names of built-in subscriptions are `pg_<oid>` and
 * `pg_<oid>_<relid>` (table sync).
 */
const FOREIGN_ORIGINS_SQL = `
select count(*)::int as n
  from pg_replication_origin r
 where not exists (
   select 1 from pg_subscription s
    where s.subdbid <> (select oid from pg_database where datname = current_database())
      and (r.roname = 'pg_' || s.oid::text or r.roname like 'pg\\_' || s.oid::text || '\\_%'))
`;

/**
 * Whether the forward subscription may use `origin = none`: only changes made by the source's own
 * clients are sent. That keeps changes the reverse replication applied to the source (after a
 * rollback) from being sent back to the target when forward resumes. It would also drop changes
 * the source itself receives by replication from elsewhere, so it is used only when the source
 * receives none (no replication origins), and only when both servers are 16 or newer.
 */
export async function originNoneAllowed(publisher: Database, versions: { publisher: number; subscriber: number }): Promise<boolean> {
  if (!supports.originFilter(versions.publisher) || !supports.originFilter(versions.subscriber)) return false;
  try {
    const [row] = await publisher.query<{ n: number }>(FOREIGN_ORIGINS_SQL);
    return row!.n === 0;
  } catch (error) {
    // Not allowed to look: keep every change (the safe side).
    if (isPermissionDenied(error)) return false;
    throw error;
  }
}
