import { GetParameterCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { RetryPolicy } from '../retry';
import { switchCall, type SwitchCall } from './aws-errors';
import {
  SwitchFailedError,
  SwitchUnexpectedValueError,
  describeEndpoint,
  sideOf,
  type Side,
  type Switch,
  type SwitchEndpoint,
  type SwitchEndpoints,
  type SwitchOutcome,
  type SwitchPosition,
} from './switch';

export type SsmParameterFormat = 'host' | 'host-port' | 'json';

export interface SsmParameterSwitchOptions {
  readonly ssm: SSMClient;
  readonly parameterName: string;
  readonly format: SsmParameterFormat;
  readonly endpoints: SwitchEndpoints;
  /** In-process retries of throttled calls. @default withRetry's defaults */
  readonly retry?: RetryPolicy;
}

/** The clients read their database endpoint from an SSM parameter. */
export class SsmParameterSwitch implements Switch {
  readonly strategy = 'ssm-parameter';

  constructor(private readonly options: SsmParameterSwitchOptions) {
    const { source, target } = options.endpoints;
    if (sideOf(render(source, options.format), options.endpoints, (e) => render(e, options.format)) !== 'source') {
      throw new SwitchFailedError(
        `SSM parameter ${options.parameterName} in the '${options.format}' format reads "${render(target, options.format)}" ` +
          `for both the source and the target, so Ferry could not tell where the clients are. Use the 'host-port' or 'json' format.`,
      );
    }
  }

  async current(): Promise<SwitchPosition> {
    const value = await this.read();
    return { side: this.sideOf(value), value };
  }

  async pointTo(side: Side): Promise<SwitchOutcome> {
    const { parameterName, format, endpoints } = this.options;
    const from = await this.read();
    const current = this.sideOf(from);
    if (current === side) {
      return { action: 'already', side, from, to: from, message: `SSM parameter ${parameterName} already points at the ${side} ("${from}")` };
    }
    if (current === 'unknown') {
      throw new SwitchUnexpectedValueError(
        `SSM parameter ${parameterName} holds "${from}", which is neither the source ("${render(endpoints.source, format)}") ` +
          `nor the target ("${render(endpoints.target, format)}") in the '${format}' format Ferry expects. Nothing was written: ` +
          `someone else may be moving the clients. Check its history (aws ssm get-parameter-history --name ${parameterName}), ` +
          `set it to one of the two values, then run the step again.`,
      );
    }
    const to = this.valueFor(endpoints[side], from);
    // No Type: overwriting keeps the parameter's own type (String or SecureString).
    const put = await switchCall(this.call('PutParameter'), () =>
      this.options.ssm.send(new PutParameterCommand({ Name: parameterName, Value: to, Overwrite: true })), this.options.retry);
    return {
      action: 'switched',
      side,
      from,
      to,
      message: `SSM parameter ${parameterName} moved from "${from}" to the ${side} ("${to}"), version ${put.Version ?? '?'}`,
    };
  }

  private async read(): Promise<string> {
    const out = await switchCall(this.call('GetParameter'), () =>
      this.options.ssm.send(new GetParameterCommand({ Name: this.options.parameterName, WithDecryption: true })), this.options.retry);
    return out.Parameter?.Value ?? '';
  }

  private sideOf(value: string): Side | 'unknown' {
    if (this.options.format !== 'json') return sideOf(value, this.options.endpoints, (e) => render(e, this.options.format));
    const parsed = parseEndpoint(value);
    return parsed === undefined ? 'unknown' : sideOf(describeEndpoint(parsed), this.options.endpoints, describeEndpoint);
  }

  /** In JSON, fields other than the endpoint's (an sslmode, say) are the application's: keep them. */
  private valueFor(endpoint: SwitchEndpoint, previous: string): string {
    if (this.options.format !== 'json') return render(endpoint, this.options.format);
    const { host, port, database } = endpoint;
    return JSON.stringify({ ...(JSON.parse(previous) as object), host, port, database });
  }

  private call(operation: string): SwitchCall {
    const name = this.options.parameterName;
    return {
      service: 'SSM',
      operation,
      resource: `parameter ${name}`,
      whenMissing:
        `Create the parameter with the source endpoint before the cutover (aws ssm put-parameter --name ${name} ` +
        `--type String --value '${render(this.options.endpoints.source, this.options.format)}') and point the clients at it.`,
    };
  }
}

function render(e: SwitchEndpoint, format: SsmParameterFormat): string {
  if (format === 'host') return e.host;
  if (format === 'host-port') return `${e.host}:${e.port}`;
  return JSON.stringify({ host: e.host, port: e.port, database: e.database });
}

/** Reads `{"host","port","database"}` by its fields, so key order and spacing do not matter. */
function parseEndpoint(value: string): SwitchEndpoint | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { host, port, database } = parsed as Record<string, unknown>;
  const portNumber = typeof port === 'string' && /^\d+$/.test(port) ? Number(port) : port;
  if (typeof host !== 'string' || typeof portNumber !== 'number' || typeof database !== 'string') return undefined;
  return { host, port: portNumber, database };
}
