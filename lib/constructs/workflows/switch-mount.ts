import { Arn, ArnFormat } from 'aws-cdk-lib';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { MigrationConfig, SwitchFileSystemConfig } from '../../../lambdas/shared/migration-config';
import type { WildcardStatement } from './grants';

/** What the functions with the 'switch' need mount, and the wildcard statement that comes with it. */
export interface SwitchMount {
  readonly config: SwitchFileSystemConfig;
  /** A fresh mount for one function (each function's role gets its own statements). */
  mount(): lambda.FileSystem;
  readonly wildcard: WildcardStatement;
}

/**
 * The file system the switch functions mount, so that a PgBouncer switch can rewrite its
 * `databasesFile`: the migrations' one `switch.fileSystem`, or undefined when none switches
 * through PgBouncer. Fails synth for a PgBouncer switch without one (Lambda has no writable
 * persistent disk, and PgBouncer must read what the switch wrote), and for two different ones
 * (a function mounts at most one file system, and one switch function serves every migration).
 */
export function switchMountOf(scope: Construct, migrations: readonly MigrationConfig[]): SwitchMount | undefined {
  const pgbouncer = migrations.flatMap((m) => (m.switch.strategy === 'pgbouncer' ? [{ id: m.id, switch: m.switch }] : []));
  const missing = pgbouncer.find((m) => m.switch.fileSystem === undefined);
  if (missing) {
    throw new Error(
      `Workflows: migration '${missing.id}' switches through PgBouncer without switch.fileSystem. The switch functions must write its databasesFile ` +
        `(${missing.switch.databasesFile}) and Lambda has no writable persistent disk: add switch.fileSystem with an EFS access point that the PgBouncer host also mounts, ` +
        `{ "accessPointArn": "arn:aws:elasticfilesystem:<region>:<account>:access-point/fsap-...", "mountPath": "/mnt/pgbouncer" }, and put databasesFile under its mountPath.`,
    );
  }
  const byMount = new Map<string, { config: SwitchFileSystemConfig; ids: string[] }>();
  for (const m of pgbouncer) {
    const config = m.switch.fileSystem!;
    const key = `${config.accessPointArn} at ${config.mountPath}`;
    byMount.set(key, { config, ids: [...(byMount.get(key)?.ids ?? []), m.id] });
  }
  if (byMount.size > 1) {
    const mounts = [...byMount].map(([key, { ids }]) => `${ids.map((id) => `'${id}'`).join(', ')}: ${key}`);
    throw new Error(
      `Workflows: the PgBouncer switches of this environment name different file systems (${mounts.join('; ')}), but a Lambda function mounts at most one, ` +
        'and one switch function serves every migration of the environment. Give them the same switch.fileSystem (one access point and mountPath, ' +
        'a databasesFile each), or put them in different environments.',
    );
  }
  const only = [...byMount.values()][0];
  if (only === undefined) return undefined;
  const { config } = only;
  const accessPoint = efs.AccessPoint.fromAccessPointAttributes(scope, 'SwitchAccessPoint', { accessPointArn: config.accessPointArn });
  const fileSystems = accessPointFileSystems(config.accessPointArn);
  return {
    config,
    mount: () => new AccessPointMount(accessPoint, config.mountPath, fileSystems),
    wildcard: {
      actions: [...EFS_CLIENT_ACTIONS],
      resource: fileSystems,
      reason:
        `mount and write only through the access point ${config.accessPointArn} (condition elasticfilesystem:AccessPointArn), for the PgBouncer switch's databasesFile: ` +
        "an access point's ARN does not name its file system, so the file system is left open and the access point is the condition",
    },
  };
}

/** What a function needs to mount an access point read-write: no ClientRootAccess, so it acts as the access point's POSIX user. */
const EFS_CLIENT_ACTIONS = ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'] as const;

/** `arn:<partition>:elasticfilesystem:<region>:<account>:file-system/*`: the file systems of the access point's account and region. */
function accessPointFileSystems(accessPointArn: string): string {
  const { partition, region, account } = Arn.split(accessPointArn, ArnFormat.SLASH_RESOURCE_NAME);
  return Arn.format({ partition, service: 'elasticfilesystem', region, account, resource: 'file-system', resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
}

/**
 * An EFS access point mounted by a Lambda function, with its permissions conditioned on the access
 * point, both actions (AWS's pattern for access points in IAM policies). Not
 * `FileSystem.fromEfsAccessPoint`: it needs the access point's file system (its id and security
 * group, which an access point's ARN does not give), grants ClientWrite on that whole file system
 * without the access point condition, and adds NFS rules to the security groups; here the
 * operator's security groups stay as they are (they must allow NFS, TCP 2049, to the mount targets).
 */
class AccessPointMount extends lambda.FileSystem {
  constructor(accessPoint: efs.IAccessPoint, mountPath: string, fileSystems: string) {
    super({
      arn: accessPoint.accessPointArn,
      localMountPath: mountPath,
      policies: [
        new iam.PolicyStatement({
          actions: [...EFS_CLIENT_ACTIONS],
          resources: [fileSystems],
          conditions: { StringEquals: { 'elasticfilesystem:AccessPointArn': accessPoint.accessPointArn } },
        }),
      ],
    });
  }
}
