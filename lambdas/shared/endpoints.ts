import type { ConnectionOptions } from 'node:tls';
import type { DatabaseEndpoint } from './migration-config';
import { Database } from './pg/connection';
import type { Secrets } from './secrets';

/**
 * Opens a configured endpoint with credentials from the Secrets port. TLS follows `sslMode`:
 * verify-full checks the certificate chain and the host name (in Lambda the RDS CA bundle comes
 * from NODE_EXTRA_CA_CERTS), verify-ca the chain only, require encrypts without verifying.
 * `insecureNoTls` exists for the local stack, whose servers listen on 127.0.0.1 only.
 */
export async function openEndpoint(
  role: 'source' | 'target',
  endpoint: DatabaseEndpoint,
  secrets: Secrets,
  options: { readonly max?: number; readonly insecureNoTls?: boolean } = {},
): Promise<Database> {
  const { username, password } = await secrets.databaseSecret(endpoint.secretArn);
  const ssl: ConnectionOptions | false = options.insecureNoTls
    ? false
    : endpoint.sslMode === 'require'
      ? { rejectUnauthorized: false }
      : endpoint.sslMode === 'verify-ca'
        ? { rejectUnauthorized: true, checkServerIdentity: () => undefined }
        : { rejectUnauthorized: true };
  return new Database(
    {
      label: `${role} database (${endpoint.host}:${endpoint.port}/${endpoint.database})`,
      config: { host: endpoint.host, port: endpoint.port, database: endpoint.database, user: username, password, ssl },
    },
    options.max === undefined ? {} : { max: options.max },
  );
}
