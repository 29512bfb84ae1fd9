import { Annotations, Stack, Tags } from 'aws-cdk-lib';
import * as dms from 'aws-cdk-lib/aws-dms';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { CONFIG_DEFAULTS, TablesSchema, type DatabaseEndpoint, type DmsEgressConfig, type MigrationConfig, type ReplicationConfig } from '../../lambdas/shared/migration-config';
import { dmsReverseSlotName, type DmsResource } from '../../lambdas/shared/replication/dms/resources';
import { dmsTableMappings } from './dms/table-mappings';
import { dmsTaskSettings } from './dms/task-settings';

/** The replication settings of a migration that runs on DMS. */
export type DmsReplicationConfig = Extract<ReplicationConfig, { engine: 'dms-serverless' | 'dms-instance' }>;

/** `SET` run by DMS on every connection to a target database (see `DmsReplication`). */
export const TARGET_AFTER_CONNECT_SCRIPT = "SET session_replication_role = 'replica'";

/** The source-side PostgreSQL plugin DMS decodes the WAL with (see `DmsReplication`). */
export const DMS_PLUGIN_NAME = 'test-decoding';

export interface DmsReplicationProps {
  /** The migration's id: resource names, tags, the reverse slot's name and the table mapping rules. */
  readonly migrationId: string;
  /** `source`: the database replicated from (and back to, in reverse). */
  readonly source: DatabaseEndpoint;
  /** `target`: the database replicated to (and read from, in reverse). */
  readonly target: DatabaseEndpoint;
  /** `replication`, as validated: its engine must be `dms-serverless` or `dms-instance`. */
  readonly replication: DmsReplicationConfig;
  /**
   * Where the security group lets DMS connect: `replication.egress` with its defaults applied
   * (`dmsEgressPeers` in lambdas/shared/migration-config.ts).
   */
  readonly egress: Required<DmsEgressConfig>;
  /**
   * `tables`: what is replicated, as include and exclude patterns.
   * @default { include: ['public.*'], exclude: [] } (the config's default)
   */
  readonly tables?: MigrationConfig['tables'];
  /**
   * `fullLoad.dms`: the task settings' `MaxFullLoadSubTasks`, `CommitRate` and `BatchApplyEnabled`
   * (why each default: lib/constructs/dms/task-settings.ts). Batch apply gives up the source's
   * transaction order on the target, which the cutover's drain proof assumes, so synth warns.
   * @default { maxFullLoadSubTasks: 8, commitRate: 10000, batchApply: false } (the config's default)
   */
  readonly loadTuning?: MigrationConfig['fullLoad']['dms'];
  /** The VPC of the configured subnets; the security group is created in it. */
  readonly vpc: ec2.IVpc;
  /** Private subnets (at least two availability zones) for the replication subnet group. */
  readonly subnetIds: readonly string[];
  /** Customer-managed key for the replication's storage and the endpoints' connection settings. */
  readonly encryptionKey: kms.IKey;
  /**
   * Start of the serverless replication config identifiers (`<prefix>-<migration id>-forward`),
   * which must be unique in the account and region: lower-case letters, digits and single hyphens.
   * @default - the stack name in lower case
   */
  readonly identifierPrefix?: string;
  /**
   * Schema in which DMS creates its heartbeat table on each database it reads from (DMS's own
   * default; it exists in every database).
   * @default 'public'
   */
  readonly heartbeatSchema?: string;
  /**
   * Minutes between heartbeats, the longest an idle database keeps WAL for the replication slot.
   * @default 5
   */
  readonly heartbeatFrequencyMinutes?: number;
  /**
   * Schema on each database DMS writes to that holds DMS's control table
   * (`awsdms_apply_exceptions`), so that it stays out of the replicated schemas.
   * @default 'awsdms_control'
   */
  readonly controlSchema?: string;
}

/** `tables` defaults to the config's own (lambdas/shared/migration-config.ts); the schemas and the heartbeat to DMS's. */
const DEFAULTS = {
  tables: TablesSchema.parse({}),
  loadTuning: CONFIG_DEFAULTS.fullLoad.dms,
  heartbeatSchema: 'public',
  heartbeatFrequencyMinutes: 5,
  controlSchema: 'awsdms_control',
} as const satisfies Partial<DmsReplicationProps>;

/** The four DMS endpoints: each database once as a source and once as a target. */
export interface DmsEndpoints {
  /** The source database, read by the forward replication. */
  readonly sourceAsSource: dms.CfnEndpoint;
  /** The target database, written by the forward replication. */
  readonly targetAsTarget: dms.CfnEndpoint;
  /** The target database, read by the reverse (rollback) replication. */
  readonly targetAsSource: dms.CfnEndpoint;
  /** The source database, written by the reverse (rollback) replication. */
  readonly sourceAsTarget: dms.CfnEndpoint;
}

/**
 * AWS DMS for one migration: a forward replication (full load and CDC, source to target) and a
 * reverse one (CDC only, target to source, for rollback after cutover), either as two DMS
 * Serverless replication configs or as two tasks on one replication instance. Deploying starts
 * neither: the workflows start, stop and reverse them through the DMS adapter, which finds them
 * by the ARNs in `resource`.
 *
 * **Table mappings at the first start.** The template's table mappings hold the selection rules
 * only. Just before the forward replication starts for the first time, the DMS adapter adds a
 * `parallel-load` ranges rule for each large table, from a sample of the source
 * (lambdas/shared/replication/dms/parallel-load.ts), with ModifyReplicationTask /
 * ModifyReplicationConfig. A later deploy that changes the mappings replaces them, which is
 * harmless once the full load has run (DMS Serverless refuses any change after the first start).
 *
 * **Credentials.** The endpoints name the migration's Secrets Manager secrets and a role that DMS
 * assumes to read them; no user name or password is in the template. DMS takes host, port, user
 * name and password from the secret (it refuses server name or port on an endpoint that has a
 * secret), so each secret must be a JSON object with `host`, `port`, `username` and `password`
 * (the RDS secret format; RDS-managed master secrets lack host and port and do not work). The
 * role trusts the regional DMS service principal (`dms.<region>.amazonaws.com`), which is the
 * one DMS uses for secrets, and may read exactly the two secrets. A secret encrypted with a
 * customer-managed key also needs `kms:Decrypt` for this role in that key's policy.
 *
 * **Network.** A security group of its own, in the configured VPC: no inbound rule, and outbound
 * only TCP to each database on its port and HTTPS (443) to Secrets Manager, never to the
 * internet. DMS reads the secrets from inside the VPC (DMS 3.4.7+ and DMS Serverless reach
 * Secrets Manager through an interface VPC endpoint, which the subnets need). Where each rule
 * goes is `replication.egress` (CIDR blocks or security group ids); without it, the narrowest
 * destination synth can know: a database whose `host` is an IPv4 address gets `<host>/32`; one
 * whose host is a DNS name gets the private IPv4 ranges (10.0.0.0/8, 172.16.0.0/12,
 * 192.168.0.0/16), because synth is offline and cannot resolve it, the name may move (an RDS
 * endpoint changes address on failover), and the VPC is imported by id, so its CIDR is not
 * known either; the database may also live in a peered VPC or on premises. HTTPS likewise
 * defaults to the private ranges, where an interface endpoint's addresses are. A database
 * reached at a public address, or Secrets Manager through a NAT gateway instead of an endpoint,
 * needs `replication.egress`; naming the database's and the endpoint's security groups there
 * is the narrowest rule of all. The databases' security groups must allow this group in: it is
 * an output of the stack. Replication instances are not publicly accessible; DMS Serverless
 * never is.
 *
 * **TLS.** Every endpoint encrypts. DMS verifies a server only against a DMS certificate, so with
 * `dmsCertificateArn` the endpoint uses the configured `sslMode`; without it, `require`, and synth
 * warns when the configuration asked for verification.
 *
 * **Reading a database** (the source, and the target in reverse): logical decoding with
 * `test_decoding`, which ships with PostgreSQL (and RDS/Aurora) and needs no extension on either
 * server, where pglogical would need `shared_preload_libraries` and a restart on both; the WAL
 * heartbeat on, so a slot on an idle database does not hold WAL back; DDL capture off (no event
 * trigger or audit table on the database; schema changes are not replicated); a LOB larger than
 * `lobMaxSizeKb` fails the task instead of being truncated.
 *
 * **Writing a database**: every connection sets `session_replication_role = 'replica'`, as
 * PostgreSQL's own logical replication does, so the target's triggers and foreign keys do not
 * fire for replicated rows (tables load in parallel; audit triggers would write twice). The DMS
 * user therefore needs superuser (RDS: `rds_superuser`) on the databases it writes.
 *
 * **DMS's own tables.** DMS keeps its control table (`awsdms_apply_exceptions`) in
 * `controlSchema` on the database it writes, out of the application's schemas, and its heartbeat
 * table in `heartbeatSchema` on the database it reads (`public` by default, DMS's own default,
 * which exists everywhere). Comparisons and drift reports should ignore `awsdms_*` tables.
 *
 * **Account prerequisites, deliberately not created here.** DMS needs the account-wide roles
 * `dms-vpc-role` (for replication subnet groups) and `dms-cloudwatch-logs-role` (for task logs on
 * replication instances), and DMS Serverless creates its service-linked role on first use. These
 * are singletons with fixed names: a stack that created them would clash with the console (which
 * creates them on first use), with another environment in the same account, and would delete them
 * for everyone on stack deletion. So they are a documented one-time setup per account.
 */
export class DmsReplication extends Construct {
  /** What the functions need to drive this replication: its kind and the two ARNs. */
  public readonly resource: DmsResource;
  /** The replication's security group; allow it into both databases' security groups. */
  public readonly securityGroup: ec2.SecurityGroup;
  public readonly subnetGroup: dms.CfnReplicationSubnetGroup;
  /** The role DMS assumes to read the two database secrets. */
  public readonly secretsAccessRole: iam.Role;
  public readonly endpoints: DmsEndpoints;
  /** The replication instance (instance engine only). */
  public readonly replicationInstance?: dms.CfnReplicationInstance;
  /** Full load and CDC, source to target. */
  public readonly forward: dms.CfnReplicationConfig | dms.CfnReplicationTask;
  /** CDC only, target to source. */
  public readonly reverse: dms.CfnReplicationConfig | dms.CfnReplicationTask;

  constructor(scope: Construct, id: string, props: DmsReplicationProps) {
    super(scope, id);
    const { migrationId, source, target, encryptionKey } = props;
    const replication = dmsReplicationOf(migrationId, props.replication);
    const heartbeatSchema = props.heartbeatSchema ?? DEFAULTS.heartbeatSchema;
    const heartbeatFrequency = props.heartbeatFrequencyMinutes ?? DEFAULTS.heartbeatFrequencyMinutes;
    const controlSchema = props.controlSchema ?? DEFAULTS.controlSchema;
    const where = `migration '${migrationId}'`;
    if (!Number.isInteger(heartbeatFrequency) || heartbeatFrequency < 1) {
      throw new Error(`${where}: heartbeatFrequencyMinutes must be a whole number of minutes, at least 1, got ${heartbeatFrequency}`);
    }
    // Validated before anything is created, so a bad pattern names itself and nothing else.
    const tableMappings = dmsTableMappings(migrationId, props.tables ?? DEFAULTS.tables);
    const loadTuning = props.loadTuning ?? DEFAULTS.loadTuning;
    const settings = dmsTaskSettings({ lobMaxSizeKb: replication.lobMaxSizeKb, controlSchema, ...loadTuning });
    if (loadTuning.batchApply) {
      Annotations.of(this).addWarningV2(
        '@ferry/dms:batch-apply',
        `${where}: fullLoad.dms.batchApply is on: DMS applies changes in batches (net changes per table), not one source transaction ` +
          `at a time in commit order. The cutover proves the drain by waiting for a marker row, which assumes transactional apply, ` +
          `and foreign keys on the target may see rows out of order. DMS also needs a primary key or unique key on every table ` +
          `(without one only inserts are batched), and does not support a target table with both a primary key and a unique constraint.`,
      );
    }
    Tags.of(this).add('ferry:migration', migrationId);

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      allowAllOutbound: false,
      description: `Ferry DMS replication, migration ${migrationId}: no inbound; outbound to the databases and HTTPS`,
    });
    const peers = props.egress;
    const egress = new Map<string, { peer: string; port: number; what: string[] }>();
    const allow = (destinations: readonly string[], port: number, what: string) => {
      for (const peer of destinations) {
        const rule = egress.get(`${peer}:${port}`) ?? { peer, port, what: [] };
        rule.what.push(what);
        egress.set(`${peer}:${port}`, rule);
      }
    };
    allow(peers.source, source.port, 'PostgreSQL source database');
    allow(peers.target, target.port, 'PostgreSQL target database');
    allow(peers.secretsManagerEndpoint, 443, 'HTTPS to Secrets Manager through its VPC endpoint');
    for (const { peer, port, what } of egress.values()) {
      const destination = peer.startsWith('sg-') ? ec2.Peer.securityGroupId(peer) : ec2.Peer.ipv4(peer);
      this.securityGroup.addEgressRule(destination, ec2.Port.tcp(port), `${what.join(' and ')} (migration ${migrationId})`);
    }

    this.subnetGroup = new dms.CfnReplicationSubnetGroup(this, 'SubnetGroup', {
      replicationSubnetGroupDescription: `Ferry DMS replication, migration ${migrationId}`,
      subnetIds: [...props.subnetIds],
    });

    this.secretsAccessRole = new iam.Role(this, 'SecretsAccessRole', {
      assumedBy: new iam.ServicePrincipal(`dms.${Stack.of(this).region}.amazonaws.com`),
      description: `Ferry: lets DMS read the database secrets of migration ${migrationId}`,
      inlinePolicies: {
        ReadDatabaseSecrets: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              actions: ['secretsmanager:GetSecretValue'],
              resources: unique([source.secretArn, target.secretArn]),
            }),
          ],
        }),
      },
    });

    const sourceTls = this.tls(where, 'source', source);
    const targetTls = this.tls(where, 'target', target);
    const reader = (endpointId: string, db: DatabaseEndpoint, tls: EndpointTls, slotName?: string) =>
      this.endpoint(endpointId, 'source', db, tls, encryptionKey, {
        ...(slotName ? { slotName } : {}),
        heartbeatEnable: true,
        heartbeatFrequency,
        heartbeatSchema,
        captureDdls: false,
        failTasksOnLobTruncation: true,
        pluginName: DMS_PLUGIN_NAME,
      });
    const writer = (endpointId: string, db: DatabaseEndpoint, tls: EndpointTls) =>
      this.endpoint(endpointId, 'target', db, tls, encryptionKey, { afterConnectScript: TARGET_AFTER_CONNECT_SCRIPT });
    this.endpoints = {
      sourceAsSource: reader('SourceAsSource', source, sourceTls),
      targetAsTarget: writer('TargetAsTarget', target, targetTls),
      // The reverse direction reads a slot the cutover creates on the target at the switch point.
      targetAsSource: reader('TargetAsSource', target, targetTls, dmsReverseSlotName(migrationId)),
      sourceAsTarget: writer('SourceAsTarget', source, sourceTls),
    };

    if (replication.engine === 'dms-serverless') {
      const prefix = identifierPrefix(where, props.identifierPrefix ?? Stack.of(this).stackName.toLowerCase());
      const computeConfig: dms.CfnReplicationConfig.ComputeConfigProperty = {
        minCapacityUnits: replication.minCapacityUnits,
        maxCapacityUnits: replication.maxCapacityUnits,
        multiAz: replication.multiAz,
        replicationSubnetGroupId: this.subnetGroup.ref,
        vpcSecurityGroupIds: [this.securityGroup.securityGroupId],
        kmsKeyId: encryptionKey.keyArn,
      };
      const { forward, reverse } = this.bothDirections(
        (direction, ends) =>
          new dms.CfnReplicationConfig(this, `${DIRECTION_ID[direction]}Replication`, {
            replicationConfigIdentifier: replicationConfigIdentifier(where, prefix, migrationId, direction),
            replicationType: MIGRATION_TYPE[direction],
            ...ends,
            computeConfig,
            tableMappings,
            replicationSettings: settings,
          }),
      );
      this.forward = forward;
      this.reverse = reverse;
      this.resource = { kind: 'serverless', forwardArn: forward.attrReplicationConfigArn, reverseArn: reverse.attrReplicationConfigArn };
    } else {
      const instance = new dms.CfnReplicationInstance(this, 'ReplicationInstance', {
        replicationInstanceClass: replication.instanceClass,
        allocatedStorage: replication.allocatedStorageGb,
        multiAz: replication.multiAz,
        engineVersion: replication.engineVersion,
        autoMinorVersionUpgrade: true,
        publiclyAccessible: false,
        kmsKeyId: encryptionKey.keyArn,
        replicationSubnetGroupIdentifier: this.subnetGroup.ref,
        vpcSecurityGroupIds: [this.securityGroup.securityGroupId],
      });
      const { forward, reverse } = this.bothDirections(
        (direction, ends) =>
          new dms.CfnReplicationTask(this, `${DIRECTION_ID[direction]}Task`, {
            replicationInstanceArn: instance.ref,
            migrationType: MIGRATION_TYPE[direction],
            ...ends,
            tableMappings: JSON.stringify(tableMappings),
            replicationTaskSettings: JSON.stringify(settings),
          }),
      );
      this.replicationInstance = instance;
      this.forward = forward;
      this.reverse = reverse;
      this.resource = { kind: 'instance', forwardArn: forward.ref, reverseArn: reverse.ref };
    }
  }

  /** The forward replication (source to target), then the reverse one (target to source), each tagged with its direction. */
  private bothDirections<T extends Construct>(create: (direction: Direction, ends: { sourceEndpointArn: string; targetEndpointArn: string }) => T): Record<Direction, T> {
    const { sourceAsSource, targetAsTarget, targetAsSource, sourceAsTarget } = this.endpoints;
    const ends: Record<Direction, readonly [dms.CfnEndpoint, dms.CfnEndpoint]> = { forward: [sourceAsSource, targetAsTarget], reverse: [targetAsSource, sourceAsTarget] };
    const made = (direction: Direction) => {
      const [from, to] = ends[direction];
      const replication = create(direction, { sourceEndpointArn: from.ref, targetEndpointArn: to.ref });
      Tags.of(replication).add('ferry:direction', direction);
      return replication;
    };
    return { forward: made('forward'), reverse: made('reverse') };
  }

  private endpoint(
    id: string,
    endpointType: 'source' | 'target',
    db: DatabaseEndpoint,
    tls: EndpointTls,
    encryptionKey: kms.IKey,
    settings: dms.CfnEndpoint.PostgreSqlSettingsProperty,
  ): dms.CfnEndpoint {
    return new dms.CfnEndpoint(this, id, {
      endpointType,
      engineName: 'postgres',
      databaseName: db.database,
      sslMode: tls.sslMode,
      certificateArn: tls.certificateArn,
      kmsKeyId: encryptionKey.keyArn,
      postgreSqlSettings: {
        secretsManagerSecretId: db.secretArn,
        secretsManagerAccessRoleArn: this.secretsAccessRole.roleArn,
        ...settings,
      },
    });
  }

  /** The endpoint TLS settings for one database; warns when verification was asked for but is impossible. */
  private tls(where: string, side: 'source' | 'target', db: DatabaseEndpoint): EndpointTls {
    if (db.dmsCertificateArn) return { sslMode: db.sslMode, certificateArn: db.sslMode === 'require' ? undefined : db.dmsCertificateArn };
    if (db.sslMode !== 'require') {
      Annotations.of(this).addWarningV2(
        '@ferry/dms:server-certificate-not-verified',
        `${where}: ${side}: DMS verifies a server certificate only against a DMS certificate, and ${side}.dmsCertificateArn is not set, ` +
          `so the DMS endpoints use sslMode 'require' instead of '${db.sslMode}': encrypted, but the server is not verified. ` +
          `Import the CA that signed the server certificate into DMS and set ${side}.dmsCertificateArn.`,
      );
    }
    return { sslMode: 'require' };
  }
}

type Direction = 'forward' | 'reverse';

/** How a direction starts the ids of its construct: `ForwardTask`, `ReverseReplication`. */
const DIRECTION_ID: Readonly<Record<Direction, string>> = { forward: 'Forward', reverse: 'Reverse' };

interface EndpointTls {
  readonly sslMode: 'require' | 'verify-ca' | 'verify-full';
  readonly certificateArn?: string;
}

/** The forward direction copies the existing rows first; the reverse one only carries changes made after cutover. */
const MIGRATION_TYPE: Readonly<Record<Direction, string>> = { forward: 'full-load-and-cdc', reverse: 'cdc' };

/** `replication`, refused when its engine is not a DMS one (the type says so; a caller in JavaScript may not). */
function dmsReplicationOf(migrationId: string, replication: ReplicationConfig): DmsReplicationConfig {
  if (replication.engine !== 'dms-serverless' && replication.engine !== 'dms-instance') {
    throw new Error(
      `migration '${migrationId}': replication.engine: '${replication.engine}' does not use DMS; DmsReplication needs 'dms-serverless' or 'dms-instance'`,
    );
  }
  return replication;
}

/** DMS identifiers: a letter first, then letters, digits and hyphens, never two hyphens in a row nor one at the end. */
const DMS_IDENTIFIER = /^[a-z](?:-?[a-z0-9])*$/;

function identifierPrefix(where: string, prefix: string): string {
  if (!DMS_IDENTIFIER.test(prefix)) {
    throw new Error(
      `${where}: identifierPrefix: '${prefix}' must start with a lower-case letter and hold only lower-case letters, digits and single hyphens, not ending in a hyphen`,
    );
  }
  return prefix;
}

function replicationConfigIdentifier(where: string, prefix: string, migrationId: string, direction: Direction): string {
  const identifier = `${prefix}-${migrationId}-${direction}`;
  if (!DMS_IDENTIFIER.test(identifier)) {
    throw new Error(
      `${where}: DMS replication config identifier '${identifier}' (identifier prefix, migration id, direction) must not contain two hyphens in a row`,
    );
  }
  return identifier;
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
