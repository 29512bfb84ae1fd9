import { GetParameterError } from '@aws-lambda-powertools/parameters/errors';
import { CreateSecretCommand, SecretsManagerClient, SecretsManagerServiceException } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  SecretFormatError,
  SecretsTransientError,
  SecretUnavailableError,
  classifySecretError,
  secretsManager,
  staticSecrets,
} from '../../../lambdas/shared/secrets';
import { MOTO_CREDENTIALS, useMoto } from '../../helpers/moto';

/**
 * The database credentials reader against moto. It reads through Powertools Parameters, whose
 * default provider makes its own Secrets Manager client, so the client is pointed at moto the way
 * a function's is configured: through the environment (AWS_ENDPOINT_URL, region, credentials).
 * Throttling, which moto does not produce, is checked below on classifySecretError with the
 * error Powertools hands over.
 */
describe('secretsManager, against moto', () => {
  const moto = useMoto();
  let client: SecretsManagerClient;
  beforeAll(() => {
    client = new SecretsManagerClient(moto.clientConfig());
    vi.stubEnv('AWS_ENDPOINT_URL', moto.endpoint);
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', MOTO_CREDENTIALS.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', MOTO_CREDENTIALS.secretAccessKey);
  });
  afterAll(() => {
    vi.unstubAllEnvs();
    client.destroy();
  });

  const secret = async (name: string, value: string) => (await client.send(new CreateSecretCommand({ Name: name, SecretString: value }))).ARN!;

  it('reads the username and password of an RDS-format secret, ignoring its other fields', async () => {
    const arn = await secret('orders/ferry', JSON.stringify({ username: 'ferry_migrator', password: 'Vx9!pL2mZr&T', engine: 'postgres', host: 'orders-db.internal', port: 5432 }));

    await expect(secretsManager.databaseSecret(arn)).resolves.toEqual({ username: 'ferry_migrator', password: 'Vx9!pL2mZr&T' });
  });

  it('refuses a secret without a password, naming the field and not the content', async () => {
    const arn = await secret('orders/no-password', JSON.stringify({ username: 'ferry_migrator' }));

    const attempt = secretsManager.databaseSecret(arn);

    await expect(attempt).rejects.toBeInstanceOf(SecretFormatError);
    await expect(attempt).rejects.toThrow(`Secret ${arn} is not a database secret: password:`);
  });

  it('refuses a secret that is not JSON, without quoting it', async () => {
    const arn = await secret('orders/plain', 'Vx9!pL2mZr&T');

    const attempt = secretsManager.databaseSecret(arn);

    await expect(attempt).rejects.toThrow(`Secret ${arn} is not a database secret: not JSON.`);
    await expect(attempt).rejects.not.toThrow('Vx9!pL2mZr&T');
  });

  it('fails on a secret that does not exist (ResourceNotFoundException), saying what to check', async () => {
    const missing = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/gone-Zz9Yy8';

    const attempt = secretsManager.databaseSecret(missing);

    await expect(attempt).rejects.toBeInstanceOf(SecretUnavailableError);
    await expect(attempt).rejects.toThrow(
      `Secret ${missing} cannot be read (ResourceNotFoundException: Secrets Manager can't find the specified secret.). Check that it exists`,
    );
  });
});

describe('classifySecretError', () => {
  const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/ferry-AbCdEf';

  it('makes throttling, as Powertools wraps it, a transient error the workflow retries', () => {
    const throttled = new SecretsManagerServiceException({
      name: 'ThrottlingException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400, requestId: '0f1e2d3c-4b5a-4697-8877-66554433aa11', attempts: 3, totalRetryDelay: 1200 },
      message: 'Rate exceeded',
    });

    const error = classifySecretError(ARN, new GetParameterError('Rate exceeded', { cause: throttled }));

    expect(error).toBeInstanceOf(SecretsTransientError);
    expect(error.message).toBe(`Secrets Manager did not answer for ${ARN} (ThrottlingException); retry`);
  });
});

describe('staticSecrets', () => {
  it('names a secret the local store does not hold', async () => {
    await expect(staticSecrets({}).databaseSecret('local/orders')).rejects.toThrow('Secret local/orders is not a database secret: no such secret in the local secret store');
  });
});
