import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface DocumentClientOptions {
  /** @default - the Lambda environment's region (AWS_REGION) */
  readonly region?: string;
  /** Set for the local stack (dynalite); unset in AWS. */
  readonly endpoint?: string;
  /** @default - the default provider chain (the Lambda execution role in AWS) */
  readonly credentials?: DynamoDBClientConfig['credentials'];
}

/**
 * Create it once per module (outside the handler) so that warm Lambda invocations reuse its
 * connections. `removeUndefinedValues` lets optional fields stay `undefined` in our records
 * instead of failing marshalling.
 */
export function createDocumentClient(options: DocumentClientOptions = {}): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    region: options.region,
    endpoint: options.endpoint,
    credentials: options.credentials,
  });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
}
