import type { Database } from '../../pg/connection';
import { displayName, qualifiedName, quoteIdent } from '../../pg/identifiers';
import { ReplicationStartRefusedError } from '../engine';
import type { PublishedTable } from './catalog';
import { isPermissionDenied, serverError } from './errors';

/** Every kind of change, so the target sees all of them (TRUNCATE too). */
const PUBLISH = 'insert, update, delete, truncate';

/**
 * A partitioned table is published as its root: the subscriber applies changes to the table of
 * the same name, however the target partitions it (or does not).
 */
const WITH = `publish = '${PUBLISH}', publish_via_partition_root = true`;

interface PublicationRow {
  oid: string;
  all_tables: boolean;
  via_root: boolean;
  ins: boolean;
  upd: boolean;
  del: boolean;
  trunc: boolean;
}

/**
 * ONLY for ordinary tables: without it, tables that inherit from one would be published too,
 * selected or not. Partitions of a partitioned table are covered through the root.
 */
function tableList(tables: readonly PublishedTable[]): string {
  return tables.map((t) => `${t.kind === 'table' ? 'only ' : ''}${qualifiedName(t)}`).join(', ');
}

/**
 * Creates the publication for exactly these tables, or brings an existing one of that name back
 * to them and to Ferry's options. Returns what it did.
 */
export async function ensurePublication(db: Database, name: string, tables: readonly PublishedTable[]): Promise<'created' | 'updated' | 'unchanged'> {
  return explainPermission(db, name, async () => {
    const existing = await findPublication(db, name);
    if (!existing) {
      try {
        await db.query(`create publication ${quoteIdent(name)} for table ${tableList(tables)} with (${WITH})`);
        return 'created';
      } catch (error) {
        // Created by a concurrent attempt of the same step: align it like any existing one.
        if (serverError(error)?.code !== '42710') throw error;
      }
    }
    const current = existing ?? (await findPublication(db, name))!;
    if (current.all_tables) {
      throw new ReplicationStartRefusedError(
        `A publication named "${name}" FOR ALL TABLES already exists on the ${db.label}; Ferry did not create it and will not change it. ` +
          `Drop it, or give the migration another replicationName.`,
      );
    }
    let changed = false;
    const published = new Set((await publishedTables(db, current.oid)).map(displayName));
    const wanted = new Set(tables.map(displayName));
    if (published.size !== wanted.size || [...wanted].some((t) => !published.has(t))) {
      await db.query(`alter publication ${quoteIdent(name)} set table ${tableList(tables)}`);
      changed = true;
    }
    if (!(current.via_root && current.ins && current.upd && current.del && current.trunc)) {
      await db.query(`alter publication ${quoteIdent(name)} set (${WITH})`);
      changed = true;
    }
    return changed ? 'updated' : 'unchanged';
  });
}

export async function findPublication(db: Database, name: string): Promise<PublicationRow | undefined> {
  const [row] = await db.query<PublicationRow>(
    `select oid::text as oid, puballtables as all_tables, pubviaroot as via_root,
            pubinsert as ins, pubupdate as upd, pubdelete as del, pubtruncate as trunc
       from pg_publication where pubname = $1`,
    [name],
  );
  return row;
}

async function publishedTables(db: Database, oid: string) {
  return db.query<{ schema: string; name: string }>(
    `select n.nspname as schema, c.relname as name
       from pg_publication_rel pr join pg_class c on c.oid = pr.prrelid join pg_namespace n on n.oid = c.relnamespace
      where pr.prpubid = $1::oid`,
    [oid],
  );
}

/** Drops the publication if it exists; true when it did. */
export async function dropPublication(db: Database, name: string): Promise<boolean> {
  if (!(await findPublication(db, name))) return false;
  await db.query(`drop publication if exists ${quoteIdent(name)}`);
  return true;
}

async function explainPermission<T>(db: Database, name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (!isPermissionDenied(error)) throw error;
    throw new ReplicationStartRefusedError(
      `Creating or changing the publication "${name}" on the ${db.label} was refused: publishing a table needs ownership of it ` +
        `(or superuser; rds_superuser on RDS), and creating a publication needs CREATE on the database. ` +
        `PostgreSQL said: ${serverError(error)!.message}`,
      { cause: error },
    );
  }
}
