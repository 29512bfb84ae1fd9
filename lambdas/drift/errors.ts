import { FerryError } from '../shared/errors';

/** After cutover, drift is measured against the snapshot taken then; without one there is nothing to measure against. */
export class SchemaSnapshotMissingError extends FerryError {
  override readonly name = 'SchemaSnapshotMissingError';
}
