import { CloudFormationClient, CloudFormationServiceException, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { ThrottlingException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ListExecutionsCommand, SFNClient, SFNServiceException } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { explainAwsError } from '../../../bin/cli/deployed/aws-errors';
import { run } from '../../../bin/cli/status-command';
import { CheckpointTransientError } from '../../../lambdas/shared/checkpoints';
import { runCommand } from '../../helpers/cli';
import { MOTO_ACCOUNT, writeFixtureCdkJson } from '../../helpers/deployed-env.fixture';

// moto answers every call it knows as it would for an allowed caller with valid credentials and
// never throttles: access denied, throttling and refused credentials are only produced here, with
// the errors AWS sends for them (class, name, $fault, message), through aws-sdk-client-mock.
const metadata = (httpStatusCode: number) => ({ $metadata: { httpStatusCode, requestId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111', attempts: 3, totalRetryDelay: 900 } });
const ROLE = `arn:aws:sts::${MOTO_ACCOUNT}:assumed-role/ferry-operator/alice`;
const MIGRATE_ARN = `arn:aws:states:eu-west-1:${MOTO_ACCOUNT}:stateMachine:Ferry-dev-migrate`;
const awsErrors = {
  accessDenied: () =>
    new SFNServiceException({
      name: 'AccessDeniedException',
      $fault: 'client',
      ...metadata(400),
      message: `User: ${ROLE} is not authorized to perform: states:ListExecutions on resource: ${MIGRATE_ARN} because no identity-based policy allows the states:ListExecutions action`,
    }),
  expiredToken: () => new STSServiceException({ name: 'ExpiredToken', $fault: 'client', ...metadata(400), message: 'The security token included in the request is expired' }),
  invalidClientTokenId: () => new STSServiceException({ name: 'InvalidClientTokenId', $fault: 'client', ...metadata(403), message: 'The security token included in the request is invalid.' }),
  /** What the default chain throws when no provider has credentials (@smithy/property-provider). */
  noCredentials: () => Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError', tryNextLink: false }),
  cloudFormationThrottled: () => new CloudFormationServiceException({ name: 'Throttling', $fault: 'client', ...metadata(400), message: 'Rate exceeded' }),
  dynamoThrottled: () =>
    new CheckpointTransientError('The checkpoint table kept failing after retries (ThrottlingException); the step will be tried again.', {
      cause: new ThrottlingException({ ...metadata(400), message: 'Rate of requests exceeds the allowed throughput.' }),
    }),
};

describe('what an AWS failure means to the operator, in one line', () => {
  it('names the IAM action and resource a caller was denied, parsed from the message, and who the caller is', () => {
    expect(explainAwsError(awsErrors.accessDenied(), 'states:ListExecutions').message).toBe(
      `access denied: ${ROLE} may not call states:ListExecutions on ${MIGRATE_ARN}; grant that IAM action to the role you use (AccessDeniedException)`,
    );
  });

  it('falls back to the action it was calling when the message names none', () => {
    const denied = Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
    expect(explainAwsError(denied, 'dynamodb:Query').message).toBe('access denied: the caller may not call dynamodb:Query; grant that IAM action to the role you use (AccessDenied)');
  });

  it('says that AWS throttled the call and to retry, also for the checkpoint store after its own retries', () => {
    expect(explainAwsError(awsErrors.cloudFormationThrottled(), 'cloudformation:DescribeStacks').message).toBe(
      "AWS throttled cloudformation:DescribeStacks (Throttling) after the SDK's retries: wait a moment and retry",
    );
    expect(explainAwsError(awsErrors.dynamoThrottled(), 'dynamodb:Query').message).toBe("AWS throttled dynamodb:Query (ThrottlingException) after the SDK's retries: wait a moment and retry");
  });

  it('says how to refresh credentials that are expired, invalid or missing', () => {
    const refresh = 'refresh them (`aws sso login`, or export a new AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, or pick a profile with AWS_PROFILE) and retry';
    expect(explainAwsError(awsErrors.expiredToken(), 'sts:GetCallerIdentity').message).toBe(
      `the AWS credentials were refused (ExpiredToken: The security token included in the request is expired) calling sts:GetCallerIdentity: ${refresh}`,
    );
    expect(explainAwsError(awsErrors.invalidClientTokenId(), 'sts:GetCallerIdentity').message).toContain('(InvalidClientTokenId: The security token included in the request is invalid.)');
    expect(explainAwsError(awsErrors.noCredentials(), 'sts:GetCallerIdentity').message).toBe(`no AWS credentials were found calling sts:GetCallerIdentity: ${refresh}`);
  });

  it('keeps any other failure as its name and message on one line, after the action', () => {
    const other = new SFNServiceException({ name: 'StateMachineDoesNotExist', $fault: 'client', ...metadata(400), message: `State Machine Does Not Exist:\n '${MIGRATE_ARN}'` });
    expect(explainAwsError(other, 'states:StartExecution').message).toBe(`states:StartExecution failed: StateMachineDoesNotExist: State Machine Does Not Exist: '${MIGRATE_ARN}'`);
  });
});

describe('a command against AWS that meets such a failure', () => {
  const sts = mockClient(STSClient);
  const cloudformation = mockClient(CloudFormationClient);
  const sfn = mockClient(SFNClient);
  const cloudwatch = mockClient(CloudWatchClient);
  const dynamo = mockClient(DynamoDBDocumentClient);
  const cdkJson = writeFixtureCdkJson();
  const env = { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
  const status = () => runCommand(run, { env: 'dev', cdkJson }, { env });
  afterEach(() => {
    for (const mock of [sts, cloudformation, sfn, cloudwatch, dynamo]) mock.reset();
  });
  const deployed = () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: MOTO_ACCOUNT, Arn: ROLE, UserId: 'AROAEXAMPLE:alice' });
    cloudformation.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'Ferry-dev',
          StackStatus: 'UPDATE_COMPLETE',
          CreationTime: new Date('2026-11-01T09:00:00Z'),
          Outputs: [
            { OutputKey: 'CheckpointTableName', OutputValue: 'Ferry-dev-CheckpointsTable0A1B2C3D-1A2B3C4D5E6F' },
            { OutputKey: 'MigrateStateMachineArn', OutputValue: MIGRATE_ARN },
          ],
        },
      ],
    });
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'lag0', Label: 'ReplicationLagSeconds', Timestamps: [], Values: [], StatusCode: 'Complete' }] });
  };

  it('exits 2 with the one line for expired credentials, from the first call', async () => {
    sts.on(GetCallerIdentityCommand).rejects(awsErrors.expiredToken());

    const out = await status();

    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/^ferry: the AWS credentials were refused \(ExpiredToken: .*\) calling sts:GetCallerIdentity: refresh them .* and retry\n$/);
    expect(cloudformation.calls()).toHaveLength(0);
  });

  it('exits 2 naming the denied action when the caller may read the stack but not list executions', async () => {
    deployed();
    sfn.on(ListExecutionsCommand).rejects(awsErrors.accessDenied());

    const out = await status();

    expect(out.code).toBe(2);
    expect(out.stderr).toBe(`ferry: access denied: ${ROLE} may not call states:ListExecutions on ${MIGRATE_ARN}; grant that IAM action to the role you use (AccessDeniedException)\n`);
  });

  it('exits 2 saying it was throttled when CloudFormation throttles', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: MOTO_ACCOUNT });
    cloudformation.on(DescribeStacksCommand).rejects(awsErrors.cloudFormationThrottled());

    const out = await status();

    expect(out.code).toBe(2);
    expect(out.stderr).toBe("ferry: AWS throttled cloudformation:DescribeStacks (Throttling) after the SDK's retries: wait a moment and retry\n");
  });
});
