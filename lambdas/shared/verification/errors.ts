import { FerryError } from '../errors';

/** A proven difference remains: source and target are not equal, so clients must not move. */
export class VerificationFailedError extends FerryError {
  override readonly name = 'VerificationFailedError';
}

/** The capture cannot prove equality now (lost, dropped, or never started): the switch must not happen. */
export class VerificationUnavailableError extends FerryError {
  override readonly name = 'VerificationUnavailableError';
}

/** More changes wait than a check with writes frozen may read: the freeze would last too long. */
export class TooManyChangesError extends FerryError {
  override readonly name = 'TooManyChangesError';
}
