import type { MigrationConfigInput } from '../../lambdas/shared/migration-config';

/** The secret of the offline fixture (no database behind it). */
export const ORDERS_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-AbCdEf';

/** A migration for steps that never reach a database: native engine, SSM-parameter switch. */
export const ORDERS: MigrationConfigInput = {
  id: 'orders',
  source: { host: 'source.example', database: 'orders', secretArn: ORDERS_SECRET },
  target: { host: 'target.example', database: 'orders', secretArn: ORDERS_SECRET },
  replication: { engine: 'native' },
  switch: { strategy: 'ssm-parameter', parameterName: '/orders/db' },
};

/** Secrets of a migration over a real database pair (see `endpointOf` and `credentialsOf`). */
export const SOURCE_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:source-AbCdEf';
export const TARGET_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:target-AbCdEf';

/** A configured endpoint for a local server's URL. */
export function endpointOf(url: string, secretArn: string) {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port), database: decodeURIComponent(u.pathname.slice(1)), secretArn };
}

/** The secret value (username, password) of a local server's URL. */
export function credentialsOf(url: string) {
  const u = new URL(url);
  return { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
}
