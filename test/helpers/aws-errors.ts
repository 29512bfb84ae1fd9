import {
  ConditionalCheckFailedException,
  DynamoDBServiceException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  ThrottlingException,
} from '@aws-sdk/client-dynamodb';

/**
 * Errors shaped like the ones the SDK deserialises from real DynamoDB responses (class, name,
 * $fault, $metadata), for aws-sdk-client-mock's `.rejects(...)`.
 */
const metadata = (httpStatusCode: number) => ({ httpStatusCode, requestId: 'TEST-REQUEST-ID', attempts: 1, totalRetryDelay: 0 });

export const awsErrors = {
  throttling: () =>
    new ThrottlingException({ $metadata: metadata(400), message: 'Rate of requests exceeds the allowed throughput.' }),
  provisionedThroughputExceeded: () =>
    new ProvisionedThroughputExceededException({
      $metadata: metadata(400),
      message: 'The level of configured provisioned throughput for the table was exceeded.',
    }),
  internalServerError: () => new InternalServerError({ $metadata: metadata(500), message: 'Internal server error' }),
  /** A 503 the SDK has no modelled class for. */
  serviceUnavailable: () =>
    new DynamoDBServiceException({
      name: 'ServiceUnavailable',
      $fault: 'server',
      $metadata: metadata(503),
      message: 'Service unavailable',
    }),
  conditionalCheckFailed: () =>
    new ConditionalCheckFailedException({ $metadata: metadata(400), message: 'The conditional request failed' }),
  validation: () =>
    new DynamoDBServiceException({
      name: 'ValidationException',
      $fault: 'client',
      $metadata: metadata(400),
      message: 'One or more parameter values were invalid',
    }),
  /** What Node reports when the peer drops the connection mid-request. */
  connectionReset: () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
};
