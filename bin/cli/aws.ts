import type { CliIo } from './io';

/** The part of an AWS SDK client's configuration that a command takes from its io's environment. */
export interface AwsClientConfig {
  readonly region?: string;
  readonly endpoint?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
}

/**
 * Region, endpoint and static credentials from `env`, as the SDK's default chain would read them
 * from the process (AWS_REGION; AWS_ENDPOINT_URL_<SERVICE>, else AWS_ENDPOINT_URL, unless
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true; AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
 * AWS_SESSION_TOKEN, which the chain skips when AWS_PROFILE is set); what `env` does not hold is
 * left to that chain. For the binary `env` is the process's, so nothing changes; a test passes its
 * own without touching process.env.
 *
 * @param service the SDK's service id as the endpoint variable spells it (`SFN`, `DYNAMODB`,
 *   `CLOUDFORMATION`, `STS`, `CLOUDWATCH`); without it only AWS_ENDPOINT_URL counts.
 */
export function awsClientConfig(env: CliIo['env'], service?: string): AwsClientConfig {
  const { AWS_REGION: region, AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = env;
  const staticCredentials = env.AWS_PROFILE === undefined && accessKeyId && secretAccessKey;
  const endpoint = configuredEndpoint(env, service);
  return {
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(staticCredentials ? { credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } } : {}),
  };
}

function configuredEndpoint(env: CliIo['env'], service: string | undefined): string | undefined {
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() === 'true') return undefined;
  const specific = service === undefined ? undefined : env[`AWS_ENDPOINT_URL_${service.toUpperCase().replace(/[ -]/g, '_')}`];
  return specific || env.AWS_ENDPOINT_URL || undefined;
}
