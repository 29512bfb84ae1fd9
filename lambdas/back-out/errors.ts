import { FerryError } from '../shared/errors';

/** Writes may have reached the target and cannot be brought back: backing out would lose them. */
export class BackOutUnsafeError extends FerryError {
  override readonly name = 'BackOutUnsafeError';
}
