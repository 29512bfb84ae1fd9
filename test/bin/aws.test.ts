import { describe, expect, it } from 'vitest';
import { awsClientConfig } from '../../bin/cli/aws';

describe("the AWS client configuration a command takes from its io's environment", () => {
  it('takes the region and static credentials, with a session token when there is one', () => {
    expect(awsClientConfig({ AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'id', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'token' })).toEqual({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'id', secretAccessKey: 'secret', sessionToken: 'token' },
    });
  });

  it('leaves to the SDK what the environment does not hold, and the keys when AWS_PROFILE is set, as its default chain does', () => {
    expect(awsClientConfig({})).toEqual({});
    expect(awsClientConfig({ AWS_ACCESS_KEY_ID: 'id' })).toEqual({});
    expect(awsClientConfig({ AWS_PROFILE: 'ops', AWS_ACCESS_KEY_ID: 'id', AWS_SECRET_ACCESS_KEY: 'secret' })).toEqual({});
  });

  it('takes the endpoint a service-specific AWS_ENDPOINT_URL_<SERVICE> names, else AWS_ENDPOINT_URL, unless configured endpoints are ignored', () => {
    const env = { AWS_ENDPOINT_URL: 'http://127.0.0.1:5000', AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:4567' };
    expect(awsClientConfig(env, 'DYNAMODB')).toEqual({ endpoint: 'http://127.0.0.1:4567' });
    expect(awsClientConfig(env, 'SFN')).toEqual({ endpoint: 'http://127.0.0.1:5000' });
    expect(awsClientConfig(env)).toEqual({ endpoint: 'http://127.0.0.1:5000' });
    expect(awsClientConfig({ ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }, 'DYNAMODB')).toEqual({});
  });
});
