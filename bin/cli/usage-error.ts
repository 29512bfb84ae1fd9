/** The command line itself is wrong: exit 2 with this message and no stack trace. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
