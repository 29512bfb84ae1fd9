import { createHash } from 'node:crypto';
import { GetSecretValueCommand, PutSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { RetryPolicy } from '../retry';
import { switchCall, type SwitchCall } from './aws-errors';
import {
  SwitchFailedError,
  SwitchUnexpectedValueError,
  sideOf,
  type Side,
  type Switch,
  type SwitchEndpoint,
  type SwitchEndpoints,
  type SwitchOutcome,
  type SwitchPosition,
} from './switch';

export interface SecretsManagerSwitchOptions {
  readonly secretsManager: SecretsManagerClient;
  readonly secretArn: string;
  readonly endpoints: SwitchEndpoints;
  /** In-process retries of throttled calls. @default withRetry's defaults */
  readonly retry?: RetryPolicy;
}

/** The secret as read: its fields stay opaque except the three the switch reads and writes. */
interface SecretVersion {
  readonly versionId: string;
  readonly fields: Record<string, unknown>;
  readonly host: string;
  readonly port: number;
  readonly dbname: string | undefined;
}

/**
 * The clients read the application's RDS-format JSON secret (username, password, host, port,
 * dbname, ...). The switch rewrites host, port and dbname in a new version and keeps every other
 * field. The secret holds a password: messages, logs and return values only ever carry
 * `host:port/dbname`, and errors about its content never quote it.
 */
export class SecretsManagerSwitch implements Switch {
  readonly strategy = 'secrets-manager';

  constructor(private readonly options: SecretsManagerSwitchOptions) {}

  async current(): Promise<SwitchPosition> {
    const secret = await this.read();
    return { side: this.sideOf(secret), value: describe(secret) };
  }

  async pointTo(side: Side): Promise<SwitchOutcome> {
    const { secretArn, endpoints } = this.options;
    const secret = await this.read();
    const from = describe(secret);
    const current = this.sideOf(secret);
    if (current === side) {
      return { action: 'already', side, from, to: from, message: `secret ${secretArn} already points at the ${side} (${from})` };
    }
    if (current === 'unknown') {
      throw new SwitchUnexpectedValueError(
        `secret ${secretArn} points at ${from}, which is neither the source (${render(endpoints.source, secret)}) nor the ` +
          `target (${render(endpoints.target, secret)}). Nothing was written: someone else may be moving the clients. Check the ` +
          `secret's versions (aws secretsmanager list-secret-version-ids --secret-id ${secretArn}), put back one of the two ` +
          `endpoints, then run the step again.`,
      );
    }
    const endpoint = endpoints[side];
    const fields = {
      ...secret.fields,
      host: endpoint.host,
      // Keep the port's JSON type: some clients parse a string, others a number.
      port: typeof secret.fields.port === 'string' ? String(endpoint.port) : endpoint.port,
      ...(secret.dbname === undefined ? {} : { dbname: endpoint.database }),
    };
    const put = await switchCall(
      this.call('PutSecretValue'),
      () =>
        this.options.secretsManager.send(
          new PutSecretValueCommand({
            SecretId: secretArn,
            SecretString: JSON.stringify(fields),
            ClientRequestToken: requestToken(secretArn, side, secret.versionId),
          }),
        ),
      this.options.retry,
    );
    const to = render(endpoint, secret);
    return {
      action: 'switched',
      side,
      from,
      to,
      message: `secret ${secretArn} moved from ${from} to the ${side} (${to}), version ${put.VersionId ?? '?'}`,
    };
  }

  private async read(): Promise<SecretVersion> {
    const { secretArn } = this.options;
    const out = await switchCall(
      this.call('GetSecretValue'),
      () => this.options.secretsManager.send(new GetSecretValueCommand({ SecretId: secretArn })),
      this.options.retry,
    );
    const unusable = (why: string) =>
      new SwitchFailedError(
        `secret ${secretArn} ${why}. The secrets-manager switch needs the application's JSON secret in the RDS format ` +
          `({"username", "password", "host", "port", "dbname", ...}); fix the secret or choose another switch strategy.`,
      );
    if (out.SecretString === undefined) throw unusable('holds binary data, not a JSON string');
    // The parser's message quotes the text it choked on, which may be the password: never pass it on.
    let fields: unknown;
    try {
      fields = JSON.parse(out.SecretString);
    } catch {
      throw unusable('does not hold JSON');
    }
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) throw unusable('does not hold a JSON object');
    const record = fields as Record<string, unknown>;
    if (typeof record.host !== 'string' || record.host === '') throw unusable('has no "host" field (a non-empty string)');
    const port = typeof record.port === 'string' && /^\d+$/.test(record.port) ? Number(record.port) : record.port;
    if (typeof port !== 'number' || !Number.isInteger(port)) throw unusable('has no "port" field (a number)');
    if (record.dbname !== undefined && typeof record.dbname !== 'string') throw unusable('has a "dbname" field that is not a string');
    return { versionId: out.VersionId ?? '', fields: record, host: record.host, port, dbname: record.dbname };
  }

  private sideOf(secret: SecretVersion): Side | 'unknown' {
    const { source, target } = this.options.endpoints;
    if (render(source, secret) === render(target, secret)) {
      throw new SwitchFailedError(
        `secret ${this.options.secretArn} has no "dbname" field, and the source and target differ only in their database ` +
          `(${render(source, secret)}), so the switch cannot tell them apart. Add a "dbname" field that the clients read.`,
      );
    }
    return sideOf(describe(secret), this.options.endpoints, (e) => render(e, secret));
  }

  private call(operation: string): SwitchCall {
    return {
      service: 'Secrets Manager',
      operation,
      resource: `secret ${this.options.secretArn}`,
      whenMissing:
        'Check secretArn in the migration config: the secret must exist in this account and region, not be scheduled ' +
        'for deletion, and hold the JSON the clients read.',
    };
  }
}

/** `host:port/dbname`, or `host:port` for a secret without dbname: what the clients use, nothing secret. */
function describe(secret: SecretVersion): string {
  return secret.dbname === undefined ? `${secret.host}:${secret.port}` : `${secret.host}:${secret.port}/${secret.dbname}`;
}

function render(e: SwitchEndpoint, secret: SecretVersion): string {
  return secret.dbname === undefined ? `${e.host}:${e.port}` : `${e.host}:${e.port}/${e.database}`;
}

/**
 * The same secret, side and starting version always give the same token, so a retried write is
 * ignored by Secrets Manager instead of adding a second version. UUID-shaped, as the API suggests.
 */
export function requestToken(secretArn: string, side: Side, previousVersionId: string): string {
  const hex = createHash('sha256').update(`${secretArn}\n${side}\n${previousVersionId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
