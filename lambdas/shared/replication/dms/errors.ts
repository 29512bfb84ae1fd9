import { TransientError } from '../../errors';

/**
 * DMS or CloudWatch kept throttling or failing on its side after our in-process retries. The
 * workflows' `Retry` blocks try the step again later.
 */
export class DmsTransientError extends TransientError {
  override readonly name = 'DmsTransientError';
}
