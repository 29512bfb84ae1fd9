import { FerryError } from '../errors';

/** A configured role cannot be frozen (missing, a superuser, or the role Ferry itself connects as). */
export class FreezeRoleError extends FerryError {
  override readonly name = 'FreezeRoleError';
}

/**
 * After revoking, a role could still write (through a group role, PUBLIC, or a grant Ferry may not
 * revoke). The revoke was rolled back: nothing changed.
 */
export class FreezeIncompleteError extends FerryError {
  override readonly name = 'FreezeIncompleteError';
}

/** The freeze's maximum duration passed (open transactions not ended, a step too slow). The workflow thaws. */
export class FreezeExpiredError extends FerryError {
  override readonly name = 'FreezeExpiredError';
}
