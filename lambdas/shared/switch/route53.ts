import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  ListResourceRecordSetsCommand,
  type ChangeInfo,
  type ResourceRecordSet,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import type { RetryPolicy } from '../retry';
import { switchCall, type SwitchCall } from './aws-errors';
import {
  SwitchFailedError,
  SwitchTransientError,
  SwitchUnexpectedValueError,
  sideOf,
  type Side,
  type Switch,
  type SwitchEndpoints,
  type SwitchOutcome,
  type SwitchPosition,
} from './switch';

export interface Route53SwitchOptions {
  readonly route53: Route53Client;
  readonly hostedZoneId: string;
  /** The CNAME the clients connect to. */
  readonly recordName: string;
  readonly ttlSeconds: number;
  readonly endpoints: SwitchEndpoints;
  /** Time between two GetChange calls. @default 2000 */
  readonly pollMs?: number;
  /** How long to wait for the change to be INSYNC before handing back to the workflow. @default 60_000 */
  readonly waitMs?: number;
  /** Injected in tests; also the default sleep of `retry`. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** In-process retries of throttled calls. @default withRetry's defaults */
  readonly retry?: RetryPolicy;
}

const NO_RECORD = '(no record)';

/**
 * The clients connect to a CNAME that names the source or the target host. Only a simple CNAME
 * holding one of the two hosts is ever changed: a missing record, a weighted or alias record, or
 * another host is refused, because Ferry does not take over DNS it did not set up. Pointing
 * returns once Route 53 reports the change INSYNC on all its name servers; the clients still see
 * the old answer until the record's TTL expires.
 */
export class Route53Switch implements Switch {
  readonly strategy = 'route53';
  private readonly pollMs: number;
  private readonly waitMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly retry: RetryPolicy;

  constructor(private readonly options: Route53SwitchOptions) {
    this.pollMs = options.pollMs ?? 2000;
    this.waitMs = options.waitMs ?? 60_000;
    this.sleep = options.sleep ?? ((ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    this.retry = { sleep: this.sleep, ...options.retry };
    const { source, target } = options.endpoints;
    if (normaliseName(source.host) === normaliseName(target.host)) {
      throw new SwitchFailedError(
        `Route 53 record ${options.recordName} can only name a host, and the source and target share the host ${source.host}. ` +
          `Choose a switch strategy that can carry the port or database (ssm-parameter with 'json', secrets-manager).`,
      );
    }
  }

  async current(): Promise<SwitchPosition> {
    return this.position(await this.read());
  }

  async pointTo(side: Side): Promise<SwitchOutcome> {
    const { recordName, endpoints } = this.options;
    const { side: current, value: from } = this.position(await this.read());
    if (current === side) {
      return { action: 'already', side, from, to: from, message: `Route 53 record ${recordName} already points at the ${side} (${from})` };
    }
    if (current === 'unknown') {
      throw new SwitchUnexpectedValueError(
        `Route 53 record ${recordName} (CNAME, zone ${this.options.hostedZoneId}) is ${from}, which is neither the source ` +
          `(${endpoints.source.host}) nor the target (${endpoints.target.host}). Nothing was written. Ferry only changes a ` +
          `simple CNAME it finds on one of the two: create it pointing at the source before the cutover, or, if someone ` +
          `else moved it, find out why, put back one of the two hosts, then run the step again.`,
      );
    }
    const to = endpoints[side].host;
    const change = await this.upsert(side, to);
    await this.waitInSync(change);
    const message = `Route 53 record ${recordName} moved from ${from} to the ${side} (${to}), change ${change.Id} INSYNC`;
    return { action: 'switched', side, from, to, message };
  }

  /** The CNAME, or undefined when the zone has none of that name (Route 53 then lists the next name). */
  private async read(): Promise<ResourceRecordSet | undefined> {
    const { hostedZoneId, recordName } = this.options;
    const out = await switchCall(
      this.call('ListResourceRecordSets'),
      () =>
        this.options.route53.send(
          // Route 53 keeps names in lower case and lists them in ASCII order ('D' sorts before 'a'): ask for the name as stored.
          new ListResourceRecordSetsCommand({ HostedZoneId: hostedZoneId, StartRecordName: recordName.toLowerCase(), StartRecordType: 'CNAME', MaxItems: 1 }),
        ),
      this.retry,
    );
    const record = out.ResourceRecordSets?.[0];
    const same = record !== undefined && record.Type === 'CNAME' && normaliseName(record.Name ?? '') === normaliseName(recordName);
    return same ? record : undefined;
  }

  private position(record: ResourceRecordSet | undefined): SwitchPosition {
    if (record === undefined) return { side: 'unknown', value: NO_RECORD };
    if (record.AliasTarget !== undefined) return { side: 'unknown', value: `an alias to ${record.AliasTarget.DNSName}` };
    const value = record.ResourceRecords?.[0]?.Value ?? '';
    if (record.SetIdentifier !== undefined) return { side: 'unknown', value: `${value} (routing policy record "${record.SetIdentifier}")` };
    return { side: sideOf(value, this.options.endpoints, (e) => e.host), value };
  }

  private async upsert(side: Side, host: string): Promise<ChangeInfo> {
    const { hostedZoneId, recordName, ttlSeconds } = this.options;
    const out = await switchCall(
      this.call('ChangeResourceRecordSets'),
      () =>
        this.options.route53.send(
          new ChangeResourceRecordSetsCommand({
            HostedZoneId: hostedZoneId,
            ChangeBatch: {
              // Route 53 limits comments to 256 characters.
              Comment: `Ferry switch: point ${recordName} at the ${side}`.slice(0, 256),
              Changes: [
                { Action: 'UPSERT', ResourceRecordSet: { Name: recordName.toLowerCase(), Type: 'CNAME', TTL: ttlSeconds, ResourceRecords: [{ Value: host }] } },
              ],
            },
          }),
        ),
      this.retry,
    );
    if (out.ChangeInfo?.Id === undefined) throw new SwitchFailedError(`Route 53 accepted the change of ${recordName} but returned no change id`);
    return out.ChangeInfo;
  }

  /** A retried step repeats the UPSERT of the same value, which is harmless, so giving up here is safe. */
  private async waitInSync(change: ChangeInfo): Promise<void> {
    let status = change.Status;
    for (let waited = 0; status !== 'INSYNC'; waited += this.pollMs) {
      if (waited >= this.waitMs) {
        throw new SwitchTransientError(
          `Route 53 change ${change.Id} of record ${this.options.recordName} was still ${status ?? 'unknown'} after ` +
            `${this.waitMs} ms; the record is written but not yet on every Route 53 name server. The workflow tries again later.`,
        );
      }
      await this.sleep(this.pollMs);
      const get = () => this.options.route53.send(new GetChangeCommand({ Id: change.Id }));
      const out = await switchCall(this.call('GetChange'), get, this.retry);
      status = out.ChangeInfo?.Status;
    }
  }

  private call(operation: string): SwitchCall {
    return {
      service: 'Route 53',
      operation,
      resource: `record ${this.options.recordName} in hosted zone ${this.options.hostedZoneId}`,
      whenMissing: 'Check hostedZoneId in the migration config: the zone must exist in this account (private zones included).',
    };
  }
}

/**
 * A DNS name as Route 53 compares names: case-insensitive, with or without the final dot.
 * Route 53 returns characters other than a-z, 0-9, '-' and '_' as octal escapes (`*` as `\052`).
 */
export function normaliseName(name: string): string {
  return name
    .replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)))
    .toLowerCase()
    .replace(/\.$/, '');
}
