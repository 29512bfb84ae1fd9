import { FerryError } from '../shared/errors';

/** A guardrail stopped the cutover before anything was changed; the message names each. */
export class GuardrailsFailedError extends FerryError {
  override readonly name = 'GuardrailsFailedError';
}
