import { afterEach, describe, expect, it, vi } from 'vitest';
import { MigrationSchema, type MigrationConfig, type MigrationConfigInput } from '../../../../lambdas/shared/migration-config';
import { staticSecrets } from '../../../../lambdas/shared/secrets';
import { createSwitch, resetSwitchClients } from '../../../../lambdas/shared/switch/create-switch';
import { PgBouncerSwitch } from '../../../../lambdas/shared/switch/pgbouncer';
import { Route53Switch } from '../../../../lambdas/shared/switch/route53';
import { SecretsManagerSwitch } from '../../../../lambdas/shared/switch/secrets-manager';
import { SsmParameterSwitch } from '../../../../lambdas/shared/switch/ssm-parameter';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-AbCdEf';
const CLIENT_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-app-GhIjKl';
const ADMIN_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pgbouncer-admin-MnOpQr';
const ADMIN = { username: 'pgbouncer_admin', password: 'admin-pw' };

const migration = (switchConfig: MigrationConfigInput['switch']): MigrationConfig =>
  MigrationSchema.parse({
    id: 'orders',
    source: { host: 'source.example', database: 'orders', secretArn: SECRET },
    target: { host: 'target.example', database: 'orders', secretArn: SECRET },
    replication: { engine: 'native' },
    switch: switchConfig,
  } satisfies MigrationConfigInput);

describe('createSwitch', () => {
  afterEach(() => {
    resetSwitchClients();
  });

  it.each([
    ['ssm-parameter', { strategy: 'ssm-parameter', parameterName: '/orders/db' }, SsmParameterSwitch],
    ['secrets-manager', { strategy: 'secrets-manager', secretArn: CLIENT_SECRET }, SecretsManagerSwitch],
    ['route53', { strategy: 'route53', hostedZoneId: 'Z0123456789ABCDEFGHIJ', recordName: 'orders-db.internal' }, Route53Switch],
  ] as const)('returns the %s adapter for that strategy, reading no secret', async (strategy, config, adapter) => {
    // Prepare
    const secrets = staticSecrets({});
    const read = vi.spyOn(secrets, 'databaseSecret');

    // Act
    const sw = await createSwitch(migration(config), secrets);

    // Assess
    expect(sw).toBeInstanceOf(adapter);
    expect(sw.strategy).toBe(strategy);
    expect(read).not.toHaveBeenCalled();
  });

  it('returns the pgbouncer adapter, with the admin login read through the Secrets port', async () => {
    // Prepare
    const secrets = staticSecrets({ [ADMIN_SECRET]: ADMIN });
    const read = vi.spyOn(secrets, 'databaseSecret');
    const config = { strategy: 'pgbouncer', host: 'pgbouncer.internal', database: 'orders', adminSecretArn: ADMIN_SECRET, databasesFile: '/etc/pgbouncer/ferry.ini' } as const;

    // Act
    const sw = await createSwitch(migration(config), secrets);

    // Assess
    expect(sw).toBeInstanceOf(PgBouncerSwitch);
    expect(sw.strategy).toBe('pgbouncer');
    expect(read).toHaveBeenCalledExactlyOnceWith(ADMIN_SECRET);
  });

  it('fails for pgbouncer when the admin secret cannot be read, naming the secret', async () => {
    // Prepare
    const config = { strategy: 'pgbouncer', host: 'pgbouncer.internal', database: 'orders', adminSecretArn: ADMIN_SECRET, databasesFile: '/etc/pgbouncer/ferry.ini' } as const;

    // Act
    const error = await createSwitch(migration(config), staticSecrets({})).catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({ name: 'SecretFormatError', message: expect.stringContaining(ADMIN_SECRET) });
  });
});
