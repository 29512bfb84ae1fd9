import type { z } from 'zod';
import { FerryError } from './errors';

/** A workflow or console input that does not validate; names each field and its problem. */
export class InvalidInputError extends FerryError {
  override readonly name = 'InvalidInputError';

  constructor(readonly problems: readonly string[]) {
    super(`Invalid input: ${problems.join('; ')}`);
  }
}

/** Parses with `schema`, or throws InvalidInputError listing every problem as `field: message`. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new InvalidInputError(
    result.error.issues.map((issue) => {
      const field = issue.path.map(String).join('.') || '(input)';
      return issue.code === 'unrecognized_keys' ? `${field}: unknown field(s) ${issue.keys.join(', ')}` : `${field}: ${issue.message}`;
    }),
  );
}
