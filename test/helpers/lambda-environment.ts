import { vi } from 'vitest';

export interface LambdaEnvironment {
  /** Migrations as cdk.json holds them; the handlers read them from FERRY_MIGRATIONS. */
  readonly migrations?: readonly unknown[];
  /** dynalite's endpoint, when the handler reaches the checkpoint table. */
  readonly dynamoEndpoint?: string;
  readonly tableName?: string;
  readonly topicArn?: string;
}

/**
 * The environment the stack gives every function, stubbed for a handler test (vitest restores
 * it): a region, throwaway credentials for the local DynamoDB twin, quiet Powertools, and the
 * Ferry variables.
 */
export function stubLambdaEnvironment(env: LambdaEnvironment): void {
  vi.stubEnv('AWS_REGION', 'eu-west-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  if (env.dynamoEndpoint !== undefined) vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', env.dynamoEndpoint);
  if (env.tableName !== undefined) vi.stubEnv('FERRY_TABLE_NAME', env.tableName);
  if (env.topicArn !== undefined) vi.stubEnv('FERRY_TOPIC_ARN', env.topicArn);
  if (env.migrations !== undefined) vi.stubEnv('FERRY_MIGRATIONS', JSON.stringify(env.migrations));
}
