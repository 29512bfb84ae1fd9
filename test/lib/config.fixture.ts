import type { EnvironmentConfigInput } from '../../lib/config';

/** A valid environment with one migration; tests change one thing at a time. */
export function validEnvironment(): EnvironmentConfigInput & Record<string, unknown> {
  return {
    account: '123456789012',
    region: 'eu-west-1',
    network: {
      vpcId: 'vpc-0123456789abcdef0',
      subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      securityGroupIds: ['sg-0123456789abcdef0'],
    },
    migrations: [
      {
        id: 'orders',
        source: {
          host: 'old-db.internal',
          database: 'orders',
          secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-source-AbCdEf',
        },
        target: {
          host: 'new-db.internal',
          database: 'orders',
          secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-target-AbCdEf',
        },
        replication: { engine: 'native' },
        switch: { strategy: 'ssm-parameter', parameterName: '/orders/db-endpoint' },
      },
    ],
  };
}
