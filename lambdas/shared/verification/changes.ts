import { ChangeSet } from '../capture/change-set';
import { peekChanges } from '../capture/slot';
import type { CaptureCatalog } from '../capture/tables';
import type { Database } from '../pg/connection';

/** The changes one side's capture slot holds up to a position, as keys per table. */
export interface SideChanges {
  readonly set: ChangeSet;
  /** Where decoding got to: the requested position, or the last transaction end before the cap. */
  readonly reached: string;
  /** Stopped at the cap: more changes wait. */
  readonly capped: boolean;
  /** Change records read (rows of selected tables and others alike). */
  readonly records: number;
}

export async function readChanges(db: Database, slot: string, catalog: CaptureCatalog, upto: string, maxChanges: number): Promise<SideChanges> {
  const { rows, reached, capped } = await peekChanges(db, slot, upto, maxChanges);
  const set = new ChangeSet(catalog);
  let records = 0;
  for (const row of rows) {
    if (!row.data.startsWith('table ')) continue;
    records++;
    set.add(row.data);
  }
  return { set, reached, capped, records };
}
