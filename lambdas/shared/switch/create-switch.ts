import { Route53Client } from '@aws-sdk/client-route-53';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { MigrationConfig } from '../migration-config';
import type { Secrets } from '../secrets';
import { PgBouncerSwitch } from './pgbouncer';
import { Route53Switch } from './route53';
import { SecretsManagerSwitch } from './secrets-manager';
import { SsmParameterSwitch } from './ssm-parameter';
import type { Switch, SwitchEndpoints } from './switch';

let clients: { ssm?: SSMClient; secretsManager?: SecretsManagerClient; route53?: Route53Client } = {};

/** The migration's configured switch; SDK clients are made once per execution environment, when first needed. */
export async function createSwitch(migration: MigrationConfig, secrets: Secrets): Promise<Switch> {
  const endpoints: SwitchEndpoints = { source: migration.source, target: migration.target };
  const config = migration.switch;
  switch (config.strategy) {
    case 'ssm-parameter':
      return new SsmParameterSwitch({ ssm: (clients.ssm ??= new SSMClient({})), parameterName: config.parameterName, format: config.format, endpoints });
    case 'secrets-manager':
      return new SecretsManagerSwitch({ secretsManager: (clients.secretsManager ??= new SecretsManagerClient({})), secretArn: config.secretArn, endpoints });
    case 'route53':
      // Route 53's API lives in us-east-1 whatever the region; the SDK resolves its global endpoint.
      return new Route53Switch({ route53: (clients.route53 ??= new Route53Client({})), hostedZoneId: config.hostedZoneId, recordName: config.recordName, ttlSeconds: config.ttlSeconds, endpoints });
    case 'pgbouncer':
      return new PgBouncerSwitch({
        host: config.host,
        port: config.port,
        database: config.database,
        databasesFile: config.databasesFile,
        admin: await secrets.databaseSecret(config.adminSecretArn),
        endpoints,
      });
  }
}

/** For tests: forget the cached clients. */
export function resetSwitchClients(): void {
  clients = {};
}
