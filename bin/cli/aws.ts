import type { CliIo } from './io';

/** The part of an AWS SDK client's configuration that a command takes from its io's environment. */
export interface AwsClientConfig {
  readonly region?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
}

/**
 * Region and static credentials from `env`, as the SDK's default chain would read them from the
 * process (AWS_REGION; AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, which the
 * chain skips when AWS_PROFILE is set); what `env` does not hold is left to that chain. For the
 * binary `env` is the process's, so nothing changes; a test passes its own without touching
 * process.env.
 */
export function awsClientConfig(env: CliIo['env']): AwsClientConfig {
  const { AWS_REGION: region, AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = env;
  const staticCredentials = env.AWS_PROFILE === undefined && accessKeyId && secretAccessKey;
  return {
    ...(region ? { region } : {}),
    ...(staticCredentials ? { credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } } : {}),
  };
}
