/**
 * A configuration that does not parse, with every problem. Its own module, so that the CLI can
 * report one without loading the schemas (and zod) at every start.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid Ferry configuration (cdk.json context "environments"):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}
