import { describe, expect, it } from 'vitest';
import { openDeployedEnvironment, WORKFLOW_NAMES } from '../../../bin/cli/deployed/environment';
import { capturingIo } from '../../helpers/cli';
import { DEPLOYED_ENV, MOTO_ACCOUNT, OTHER_ACCOUNT, OTHER_ACCOUNT_ENV, REGION, UNDEPLOYED_ENV, useDeployedEnvironment } from '../../helpers/deployed-env.fixture';

describe('opening a deployed environment', () => {
  const deployed = useDeployedEnvironment();
  const open = (env: string, extra: Record<string, string> = {}) =>
    openDeployedEnvironment({ env, cdkJson: deployed.cdkJson }, capturingIo({ env: deployed.ioEnv(extra) }));

  it("finds the environment's stack in the configured account and region and reads its table and state machines", async () => {
    // Act
    const env = await open(DEPLOYED_ENV, { AWS_REGION: 'us-east-1' });
    env.close();

    // Assess
    expect(env).toMatchObject({ name: 'dev', account: MOTO_ACCOUNT, region: REGION, stackName: 'Ferry-dev', tableName: deployed.tableName });
    expect(Object.keys(env.stateMachineArns).sort()).toEqual([...WORKFLOW_NAMES].sort());
    expect(env.stateMachineArn('migrate')).toBe(deployed.stateMachineArns.migrate);
    expect(env.executionConsoleUrl('arn:aws:states:eu-west-1:123456789012:execution:Ferry-dev-migrate:x')).toBe(
      'https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/arn:aws:states:eu-west-1:123456789012:execution:Ferry-dev-migrate:x',
    );
  });

  it('refuses an environment cdk.json does not define, listing the ones it does', async () => {
    await expect(open('qa')).rejects.toThrow(`--env: no environment 'qa' in ${deployed.cdkJson} (known: dev, staging, prod)`);
  });

  it("refuses credentials of another account than the environment's, naming both", async () => {
    await expect(open(OTHER_ACCOUNT_ENV)).rejects.toThrow(
      `the AWS credentials are for account ${MOTO_ACCOUNT}, but environment 'prod' is account ${OTHER_ACCOUNT} (cdk.json): use credentials for ${OTHER_ACCOUNT}`,
    );
  });

  it('says how to deploy a stack that is not deployed', async () => {
    await expect(open(UNDEPLOYED_ENV)).rejects.toThrow(
      `stack Ferry-staging is not deployed in account ${MOTO_ACCOUNT}, region ${REGION}: deploy it with \`npx cdk deploy Ferry-staging\``,
    );
  });
});
