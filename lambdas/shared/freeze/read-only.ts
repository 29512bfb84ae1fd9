import type { Database } from '../pg/connection';
import { quoteIdent } from '../pg/identifiers';
import { inTransaction } from './revoke';

/** The read-only method's plan: each role's own `default_transaction_read_only` in this database before the freeze. */
export interface ReadOnlyPlan {
  readonly previous: ReadonlyArray<{ readonly role: string; readonly value: string | null }>;
}

const SETTING = 'default_transaction_read_only';

export async function planReadOnly(db: Database, roles: readonly string[]): Promise<ReadOnlyPlan> {
  const rows = await db.query<{ role: string; value: string | null }>(
    `select r.rolname as role,
            (select substr(c, length($2) + 2) from unnest(s.setconfig) c where c like $2 || '=%') as value
       from pg_roles r
       left join pg_db_role_setting s on s.setrole = r.oid and s.setdatabase = (select oid from pg_database where datname = current_database())
      where r.rolname = any($1::text[])
      order by r.rolname`,
    [[...roles], SETTING],
  );
  return { previous: rows };
}

/** Makes new sessions of the roles read-only in this database (the caller ends the existing ones). */
export async function applyReadOnly(db: Database, plan: ReadOnlyPlan): Promise<void> {
  await inTransaction(db, async (client) => {
    const [{ db: name }] = (await client.query<{ db: string }>('select current_database() as db')).rows as [{ db: string }];
    for (const { role } of plan.previous) {
      await client.query(`alter role ${quoteIdent(role)} in database ${quoteIdent(name)} set ${SETTING} = on`);
    }
  });
}

/** Puts back each role's previous setting (or none). */
export async function restoreReadOnly(db: Database, plan: ReadOnlyPlan): Promise<void> {
  await inTransaction(db, async (client) => {
    const [{ db: name }] = (await client.query<{ db: string }>('select current_database() as db')).rows as [{ db: string }];
    for (const { role, value } of plan.previous) {
      const who = `alter role ${quoteIdent(role)} in database ${quoteIdent(name)}`;
      // The previous value came from the catalog and is a boolean spelling; anything else is reset.
      await client.query(value !== null && /^(on|off|true|false|yes|no|1|0)$/i.test(value) ? `${who} set ${SETTING} = ${value}` : `${who} reset ${SETTING}`);
    }
  });
}
