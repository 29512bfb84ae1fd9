import type { Database } from '../../pg/connection';

/** Oldest major version on either side: streaming of large transactions and COPY progress need 14. */
export const MIN_SERVER_VERSION = 140000;

/** `server_version_num`, e.g. 170004. */
export async function serverVersion(db: Database): Promise<number> {
  const [row] = await db.query<{ v: string }>(`select current_setting('server_version_num') as v`);
  return Number(row!.v);
}

export function majorOf(versionNum: number): number {
  return Math.floor(versionNum / 10000);
}

/** What a PostgreSQL version supports, as far as this adapter cares. */
export const supports = {
  /** `disable_on_error` on subscriptions and pg_stat_subscription_stats. */
  disableOnError: (v: number) => v >= 150000,
  /** `origin = none` on subscriptions (the subscriber asks; the publisher filters). */
  originFilter: (v: number) => v >= 160000,
};

/** One setting of the server, as text. */
export async function setting(db: Database, name: string): Promise<string> {
  const [row] = await db.query<{ value: string }>('select current_setting($1) as value', [name]);
  return row!.value;
}
