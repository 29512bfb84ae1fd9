import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { z } from 'zod';
import { FerryError, TransientError } from './errors';
import { isTransientAwsError } from './retry';

/** Database credentials as Secrets Manager holds them for RDS (extra fields are ignored). */
export const DatabaseSecretSchema = z.object({
  username: z.string().min(1),
  password: z.string().min(1),
});
export type DatabaseSecret = z.infer<typeof DatabaseSecretSchema>;

/** The Secrets port: the AWS adapter reads Secrets Manager; locally an in-memory map. */
export interface Secrets {
  databaseSecret(arn: string): Promise<DatabaseSecret>;
}

export class SecretFormatError extends FerryError {
  override readonly name = 'SecretFormatError';

  constructor(arn: string, problem: string) {
    // Names the secret, never its content.
    super(`Secret ${arn} is not a database secret: ${problem}. It must be JSON with "username" and "password".`);
  }
}

export function parseDatabaseSecret(arn: string, value: unknown): DatabaseSecret {
  const result = DatabaseSecretSchema.safeParse(value);
  if (!result.success) {
    throw new SecretFormatError(arn, result.error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; '));
  }
  return result.data;
}

/** The secret cannot be read: missing, no permission, or its key is unusable. Retrying will not help. */
export class SecretUnavailableError extends FerryError {
  override readonly name = 'SecretUnavailableError';

  constructor(arn: string, cause: unknown) {
    const what = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(`Secret ${arn} cannot be read (${what}). Check that it exists and that the function's role may read it and decrypt it.`, { cause });
  }
}

/** Secrets Manager was throttled or failed on its side; the workflow retries this. */
export class SecretsTransientError extends TransientError {
  override readonly name = 'SecretsTransientError';
}

/** Secrets Manager through Powertools Parameters (cached for 5 minutes, so rotation is picked up). */
export const secretsManager: Secrets = {
  async databaseSecret(arn) {
    let value: unknown;
    try {
      value = await getSecret(arn, { transform: 'json', maxAge: 300 });
    } catch (error) {
      throw classifySecretError(arn, error);
    }
    return parseDatabaseSecret(arn, value);
  },
};

/** Powertools wraps the SDK's error in GetParameterError; the SDK error (its cause) decides. */
export function classifySecretError(arn: string, error: unknown): Error {
  if (error instanceof Error && error.name === 'TransformParameterError') return new SecretFormatError(arn, 'not JSON');
  const cause = error instanceof Error && error.name === 'GetParameterError' && error.cause ? error.cause : error;
  if (isTransientAwsError(cause)) {
    return new SecretsTransientError(`Secrets Manager did not answer for ${arn} (${(cause as Error).name}); retry`, { cause });
  }
  return new SecretUnavailableError(arn, cause);
}

/** Fixed secrets, for the local stack and tests. */
export function staticSecrets(values: Readonly<Record<string, DatabaseSecret>>): Secrets {
  return {
    async databaseSecret(arn) {
      const value = values[arn];
      if (!value) throw new SecretFormatError(arn, 'no such secret in the local secret store');
      return value;
    },
  };
}
