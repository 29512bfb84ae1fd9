import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { describe, expect, it } from 'vitest';
import { type ConfigError, parseEnvironments } from '../../../lib/config';
import { DMS_PLUGIN_NAME, DmsReplication, TARGET_AFTER_CONNECT_SCRIPT, type DmsReplicationConfig, type DmsReplicationProps } from '../../../lib/constructs/dms-replication';
import { dmsTableMappings } from '../../../lib/constructs/dms/table-mappings';
import { validEnvironment } from '../config.fixture';
import { emptyStack, synthesize } from '../stack.fixture';
import { dmsEgressPeers, type MigrationConfig } from '../../../lambdas/shared/migration-config';
import { dmsReverseSlotName } from '../../../lambdas/shared/replication/dms/resources';

const SOURCE_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-source-AbCdEf';
const TARGET_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-target-AbCdEf';
const SUBNETS = ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'];
const CERT = 'arn:aws:dms:eu-west-1:123456789012:cert:EXAMPLECERTIFICATE01';

/** The fixture migration, as the config schema leaves it, with `change` applied to its raw form first. */
function migrationWith(change: (migration: any) => void) {
  const env = validEnvironment();
  change(env.migrations[0]);
  return parseEnvironments({ test: env }).test!.migrations[0]!;
}

const serverless = (extra: Record<string, unknown> = {}) => (m: any) => {
  m.replication = { engine: 'dms-serverless', minCapacityUnits: 2, maxCapacityUnits: 32, multiAz: true, lobMaxSizeKb: 64, ...extra };
};
const instance = (extra: Record<string, unknown> = {}) => (m: any) => {
  m.replication = { engine: 'dms-instance', instanceClass: 'dms.r6i.xlarge', allocatedStorageGb: 200, multiAz: true, engineVersion: '3.5.4', ...extra };
};

/** What a migration's configuration gives a DmsReplication, as the stack maps it. */
function propsOf(migration: MigrationConfig) {
  const { id: migrationId, source, target, tables } = migration;
  return { migrationId, source, target, tables, replication: migration.replication as DmsReplicationConfig, egress: dmsEgressPeers(migration) };
}

/** A DmsReplication for the fixture migration (`change` applied to its raw config first) in an empty stack, with a key and the VPC. */
function build(change: (migration: any) => void, props: Partial<DmsReplicationProps> = {}) {
  return synthesize((stack) => {
    const encryptionKey = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['eu-west-1a', 'eu-west-1b'] });
    return { replication: new DmsReplication(stack, 'Dms', { ...propsOf(migrationWith(change)), vpc, subnetIds: SUBNETS, encryptionKey, ...props }) };
  });
}

/** The values in first-seen order, each once (compared as JSON). */
function unique<T>(values: readonly T[]): T[] {
  return [...new Map(values.map((v) => [JSON.stringify(v), v])).values()];
}

function propertiesOf(template: Template, type: string): Record<string, any>[] {
  return Object.values(template.findResources(type)).map((r) => r.Properties);
}

/** Every key anywhere in a JSON value. */
function keysIn(value: unknown): Set<string> {
  const keys = new Set<string>();
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        keys.add(k);
        walk(child);
      }
    }
  };
  walk(value);
  return keys;
}

describe('DmsReplication', () => {
  describe('DMS Serverless', () => {
    it('provisions both directions with the capacity range, Multi-AZ, network and key from the config', () => {
      // GIVEN a DMS Serverless migration with capacity 2-32 DCU, Multi-AZ
      // WHEN
      const { template } = build(serverless());
      // THEN two replication configs share one compute configuration
      template.resourceCountIs('AWS::DMS::ReplicationConfig', 2);
      template.resourceCountIs('AWS::DMS::ReplicationInstance', 0);
      const compute = {
        MinCapacityUnits: 2,
        MaxCapacityUnits: 32,
        MultiAZ: true,
        ReplicationSubnetGroupId: { Ref: Match.stringLikeRegexp('^DmsSubnetGroup') },
        VpcSecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^DmsSecurityGroup'), 'GroupId'] }],
        KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
      };
      template.hasResourceProperties('AWS::DMS::ReplicationConfig', {
        ReplicationConfigIdentifier: 'test-orders-forward',
        ReplicationType: 'full-load-and-cdc',
        ComputeConfig: compute,
      });
      template.hasResourceProperties('AWS::DMS::ReplicationConfig', {
        ReplicationConfigIdentifier: 'test-orders-reverse',
        ReplicationType: 'cdc',
        ComputeConfig: compute,
      });
    });

    it('runs forward from the source to the target, and reverse (CDC only) from the target back to the source', () => {
      // GIVEN a DMS Serverless migration
      // WHEN
      const { stack, replication } = build(serverless());
      // THEN each direction reads one database and writes the other
      const resolve = (v: unknown) => stack.resolve(v);
      const { sourceAsSource, targetAsTarget, targetAsSource, sourceAsTarget } = replication.endpoints;
      const forward = replication.forward as any;
      const reverse = replication.reverse as any;
      expect(resolve(forward.sourceEndpointArn)).toEqual(resolve(sourceAsSource.ref));
      expect(resolve(forward.targetEndpointArn)).toEqual(resolve(targetAsTarget.ref));
      expect(forward.replicationType).toBe('full-load-and-cdc');
      expect(resolve(reverse.sourceEndpointArn)).toEqual(resolve(targetAsSource.ref));
      expect(resolve(reverse.targetEndpointArn)).toEqual(resolve(sourceAsTarget.ref));
      expect(reverse.replicationType).toBe('cdc');
    });

    it('exposes the two replication config ARNs as a serverless DMS resource', () => {
      // GIVEN a DMS Serverless migration
      // WHEN
      const { stack, replication } = build(serverless());
      // THEN
      expect(replication.resource.kind).toBe('serverless');
      expect(stack.resolve(replication.resource.forwardArn)).toEqual({
        'Fn::GetAtt': [expect.stringMatching(/^DmsForwardReplication/), 'ReplicationConfigArn'],
      });
      expect(stack.resolve(replication.resource.reverseArn)).toEqual({
        'Fn::GetAtt': [expect.stringMatching(/^DmsReverseReplication/), 'ReplicationConfigArn'],
      });
    });

    it('refuses a migration id that would give DMS an identifier with two hyphens in a row', () => {
      // GIVEN a migration id with two hyphens in a row
      // WHEN / THEN synth fails, naming the identifier
      expect(() =>
        build((m) => {
          serverless()(m);
          m.id = 'order--items';
        }),
      ).toThrow(
        "migration 'order--items': DMS replication config identifier 'test-order--items-forward' (identifier prefix, migration id, direction) must not contain two hyphens in a row",
      );
    });

    it('refuses an identifier prefix DMS would reject', () => {
      // GIVEN an identifier prefix with capitals and two hyphens in a row
      // WHEN / THEN synth fails, naming the prefix
      expect(() => build(serverless(), { identifierPrefix: 'Ferry--prod' })).toThrow(
        "migration 'orders': identifierPrefix: 'Ferry--prod' must start with a lower-case letter and hold only lower-case letters, digits and single hyphens, not ending in a hyphen",
      );
    });
  });

  describe('replication instance', () => {
    it('provisions the configured class, storage, Multi-AZ and engine version, private and encrypted', () => {
      // GIVEN a migration on a dms.r6i.xlarge instance with 200 GB, Multi-AZ, DMS 3.5.4
      // WHEN
      const { template } = build(instance());
      // THEN
      template.resourceCountIs('AWS::DMS::ReplicationInstance', 1);
      template.resourceCountIs('AWS::DMS::ReplicationConfig', 0);
      template.hasResourceProperties('AWS::DMS::ReplicationInstance', {
        ReplicationInstanceClass: 'dms.r6i.xlarge',
        AllocatedStorage: 200,
        MultiAZ: true,
        EngineVersion: '3.5.4',
        PubliclyAccessible: false,
        AutoMinorVersionUpgrade: true,
        KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
        ReplicationSubnetGroupIdentifier: { Ref: Match.stringLikeRegexp('^DmsSubnetGroup') },
        VpcSecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^DmsSecurityGroup'), 'GroupId'] }],
      });
    });

    it('runs a full-load-and-CDC task forward and a CDC-only task in reverse on that instance', () => {
      // GIVEN a migration on a replication instance
      // WHEN
      const { stack, replication, template } = build(instance());
      // THEN
      template.resourceCountIs('AWS::DMS::ReplicationTask', 2);
      const instanceRef = { Ref: Match.stringLikeRegexp('^DmsReplicationInstance') };
      template.hasResourceProperties('AWS::DMS::ReplicationTask', {
        MigrationType: 'full-load-and-cdc',
        ReplicationInstanceArn: instanceRef,
        SourceEndpointArn: stack.resolve(replication.endpoints.sourceAsSource.ref),
        TargetEndpointArn: stack.resolve(replication.endpoints.targetAsTarget.ref),
      });
      template.hasResourceProperties('AWS::DMS::ReplicationTask', {
        MigrationType: 'cdc',
        ReplicationInstanceArn: instanceRef,
        SourceEndpointArn: stack.resolve(replication.endpoints.targetAsSource.ref),
        TargetEndpointArn: stack.resolve(replication.endpoints.sourceAsTarget.ref),
      });
      expect(replication.resource.kind).toBe('instance');
      expect(stack.resolve(replication.resource.forwardArn)).toEqual(stack.resolve((replication.forward as any).ref));
      expect(stack.resolve(replication.resource.reverseArn)).toEqual(stack.resolve((replication.reverse as any).ref));
    });

    it('leaves the engine version to DMS when none is configured', () => {
      // GIVEN an instance without an engine version
      // WHEN
      const { template } = build(instance({ engineVersion: undefined }));
      // THEN
      template.hasResourceProperties('AWS::DMS::ReplicationInstance', { EngineVersion: Match.absent() });
    });
  });

  it('puts the replication in a subnet group made of the configured subnets', () => {
    // GIVEN two subnets
    // WHEN
    const { template } = build(serverless());
    // THEN
    template.hasResourceProperties('AWS::DMS::ReplicationSubnetGroup', { SubnetIds: SUBNETS });
  });

  describe('network', () => {
    it('has a security group with no inbound rule and outbound only to the database port and HTTPS', () => {
      // GIVEN both databases on port 5432
      // WHEN
      const { template } = build(instance());
      // THEN
      template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
      template.resourceCountIs('AWS::EC2::SecurityGroupEgress', 0);
      const [group] = propertiesOf(template, 'AWS::EC2::SecurityGroup');
      expect(group!.VpcId).toBe('vpc-0123456789abcdef0');
      expect(group!.SecurityGroupIngress).toBeUndefined();
      // One rule per destination now, so the same port appears once per address range.
      expect(unique(group!.SecurityGroupEgress.map((r: any) => [r.IpProtocol, r.FromPort, r.ToPort]))).toEqual([
        ['tcp', 5432, 5432],
        ['tcp', 443, 443],
      ]);
    });

    it('opens each database port when source and target listen on different ports', () => {
      // GIVEN a source on 5433 and a target on 5432
      // WHEN
      const { template } = build((m) => {
        serverless()(m);
        m.source.port = 5433;
      });
      // THEN
      const [group] = propertiesOf(template, 'AWS::EC2::SecurityGroup');
      expect(unique(group!.SecurityGroupEgress.map((r: any) => r.FromPort))).toEqual([5433, 5432, 443]);
    });

    it('never allows the internet: databases named by DNS and HTTPS get the private IPv4 ranges only', () => {
      // GIVEN source and target hosts that are DNS names (old-db.internal, new-db.internal), no egress configured
      // WHEN
      const { template } = build(serverless());
      // THEN each port goes to 10.0.0.0/8, 172.16.0.0/12 and 192.168.0.0/16, and nowhere else
      const [group] = propertiesOf(template, 'AWS::EC2::SecurityGroup');
      expect(group!.SecurityGroupEgress.map(({ CidrIp, FromPort, ToPort }: any) => [CidrIp, FromPort, ToPort])).toEqual([
        ['10.0.0.0/8', 5432, 5432],
        ['172.16.0.0/12', 5432, 5432],
        ['192.168.0.0/16', 5432, 5432],
        ['10.0.0.0/8', 443, 443],
        ['172.16.0.0/12', 443, 443],
        ['192.168.0.0/16', 443, 443],
      ]);
      expect(JSON.stringify(group)).not.toContain('0.0.0.0/0');
      expect(group!.SecurityGroupEgress[0].Description).toBe('PostgreSQL source database and PostgreSQL target database (migration orders)');
      expect(group!.SecurityGroupEgress[3].Description).toBe('HTTPS to Secrets Manager through its VPC endpoint (migration orders)');
    });

    it('allows a database whose host is an IPv4 address at that address only', () => {
      // GIVEN a source at 10.1.2.3:5433 and a target named by DNS
      // WHEN
      const { template } = build((m) => {
        serverless()(m);
        m.source.host = '10.1.2.3';
        m.source.port = 5433;
      });
      // THEN the source's port goes to 10.1.2.3/32 alone; the target keeps the private ranges
      const [group] = propertiesOf(template, 'AWS::EC2::SecurityGroup');
      const rules = group!.SecurityGroupEgress.map(({ CidrIp, FromPort }: any) => [CidrIp, FromPort]);
      expect(rules.filter(([, port]: [string, number]) => port === 5433)).toEqual([['10.1.2.3/32', 5433]]);
      expect(rules.filter(([, port]: [string, number]) => port === 5432).map(([cidr]: [string]) => cidr)).toEqual(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']);
    });

    it('allows exactly the configured security groups and CIDR blocks', () => {
      // GIVEN both databases behind one security group, and the Secrets Manager endpoint's subnets
      // WHEN
      const { template } = build(
        instance({
          egress: {
            source: ['sg-0aaaaaaaaaaaaaaa1'],
            target: ['sg-0aaaaaaaaaaaaaaa1'],
            secretsManagerEndpoint: ['10.20.0.0/24', '10.20.1.0/24'],
          },
        }),
      );
      // THEN one PostgreSQL rule to that group, and HTTPS to the two subnets
      const [group] = propertiesOf(template, 'AWS::EC2::SecurityGroup');
      expect(group!.SecurityGroupEgress).toEqual([
        {
          IpProtocol: 'tcp',
          FromPort: 5432,
          ToPort: 5432,
          DestinationSecurityGroupId: 'sg-0aaaaaaaaaaaaaaa1',
          Description: 'PostgreSQL source database and PostgreSQL target database (migration orders)',
        },
        { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '10.20.0.0/24', Description: 'HTTPS to Secrets Manager through its VPC endpoint (migration orders)' },
        { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '10.20.1.0/24', Description: 'HTTPS to Secrets Manager through its VPC endpoint (migration orders)' },
      ]);
    });

    it('keeps the default for each destination left out of the egress configuration', () => {
      // GIVEN egress configured for the target only
      // WHEN
      const { template } = build(serverless({ egress: { target: ['10.30.0.0/16'] } }));
      // THEN the source and HTTPS keep the private ranges
      const [group] = propertiesOf(template, 'AWS::EC2::SecurityGroup');
      expect(group!.SecurityGroupEgress.map(({ CidrIp, FromPort }: any) => `${CidrIp}:${FromPort}`)).toEqual([
        '10.0.0.0/8:5432',
        '172.16.0.0/12:5432',
        '192.168.0.0/16:5432',
        '10.30.0.0/16:5432',
        '10.0.0.0/8:443',
        '172.16.0.0/12:443',
        '192.168.0.0/16:443',
      ]);
    });

    it('refuses an egress destination that is not a CIDR block or security group, or that allows the internet, naming the field', () => {
      // GIVEN egress destinations that are host names, the whole internet, host addresses, impossible blocks, an empty list and a misspelt key
      const problems = (egress: unknown) => {
        try {
          migrationWith(serverless({ egress }));
        } catch (error) {
          return [...(error as ConfigError).problems];
        }
        return [];
      };
      // WHEN / THEN the configuration is refused, one problem per field
      expect(problems({ source: ['db.internal', '0.0.0.0/0', '10.0.1.5/24', '10.0.300.0/24'] })).toEqual([
        `environment 'test': migrations[0].replication.egress.source[0]: must be an IPv4 CIDR block such as '10.0.12.0/24' or a security group id such as 'sg-0123456789abcdef0', got "db.internal"`,
        `environment 'test': migrations[0].replication.egress.source[1]: must not allow every IPv4 address: name the database's own address range or security group, got "0.0.0.0/0"`,
        `environment 'test': migrations[0].replication.egress.source[2]: must be a network address, with the host bits zero: '10.0.1.0/24', got "10.0.1.5/24"`,
        `environment 'test': migrations[0].replication.egress.source[3]: must be an IPv4 CIDR block: four numbers 0-255 and a prefix length 1-32, got "10.0.300.0/24"`,
      ]);
      expect(problems({ secretsManagerEndpoint: [] })).toEqual([
        "environment 'test': migrations[0].replication.egress.secretsManagerEndpoint: must list at least one CIDR block or security group id (leave it out for the default)",
      ]);
      expect(problems({ sources: ['10.0.0.0/8'] })).toEqual([
        "environment 'test': migrations[0].replication.egress: unknown key 'sources' (check the spelling; unknown keys are rejected)",
      ]);
    });

    it('is never publicly accessible', () => {
      // GIVEN a replication instance
      // WHEN
      const { template } = build(instance());
      // THEN
      for (const props of propertiesOf(template, 'AWS::DMS::ReplicationInstance')) expect(props.PubliclyAccessible).toBe(false);
      template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    });
  });

  describe('endpoints', () => {
    it('has the source and target once each as a DMS source and once each as a DMS target', () => {
      // GIVEN a migration with a source and a target secret
      // WHEN
      const { template } = build(serverless());
      // THEN
      const endpoints = propertiesOf(template, 'AWS::DMS::Endpoint').map((e) => [e.EndpointType, e.PostgreSqlSettings.SecretsManagerSecretId]);
      expect(endpoints).toEqual([
        ['source', SOURCE_SECRET],
        ['target', TARGET_SECRET],
        ['source', TARGET_SECRET],
        ['target', SOURCE_SECRET],
      ]);
    });

    it('take credentials from Secrets Manager through the access role, with no credential in the template', () => {
      // GIVEN the databases' secrets
      // WHEN
      const { template } = build(serverless());
      // THEN
      for (const endpoint of propertiesOf(template, 'AWS::DMS::Endpoint')) {
        expect(endpoint).toMatchObject({
          EngineName: 'postgres',
          DatabaseName: 'orders',
          PostgreSqlSettings: {
            SecretsManagerSecretId: expect.stringMatching(/^arn:aws:secretsmanager:/),
            SecretsManagerAccessRoleArn: { 'Fn::GetAtt': [expect.stringMatching(/^DmsSecretsAccessRole/), 'Arn'] },
          },
        });
        // DMS reads host and port from the secret and refuses them next to one.
        expect(endpoint.ServerName).toBeUndefined();
        expect(endpoint.Port).toBeUndefined();
      }
      const keys = keysIn(template.toJSON());
      for (const key of ['Password', 'Username', 'UserName', 'ServerName']) expect(keys.has(key), key).toBe(false);
    });

    it('encrypt their connection settings with the key', () => {
      // GIVEN a key
      // WHEN
      const { template } = build(serverless());
      // THEN
      for (const endpoint of propertiesOf(template, 'AWS::DMS::Endpoint')) {
        expect(endpoint.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] });
      }
    });

    it('read a database with the WAL heartbeat on, test_decoding, no DDL capture, and failing on LOB truncation', () => {
      // GIVEN the default heartbeat settings
      // WHEN
      const { template } = build(serverless());
      // THEN
      const readers = propertiesOf(template, 'AWS::DMS::Endpoint').filter((e) => e.EndpointType === 'source');
      expect(readers).toHaveLength(2);
      for (const reader of readers) {
        expect(reader.PostgreSqlSettings).toMatchObject({
          HeartbeatEnable: true,
          HeartbeatFrequency: 5,
          HeartbeatSchema: 'public',
          PluginName: DMS_PLUGIN_NAME,
          CaptureDdls: false,
          FailTasksOnLobTruncation: true,
        });
      }
    });

    it('read the target in reverse from the slot the cutover creates, and let DMS manage the forward slot', () => {
      // GIVEN a DMS migration
      // WHEN
      const { template } = build(serverless());
      // THEN
      const readers = propertiesOf(template, 'AWS::DMS::Endpoint').filter((e) => e.EndpointType === 'source');
      const slots = readers.map((r) => r.PostgreSqlSettings.SlotName);
      expect(slots.filter((s) => s !== undefined)).toEqual([dmsReverseSlotName('orders')]);
    });

    it('write a database as a replica, so its triggers and foreign keys do not fire for replicated rows', () => {
      // GIVEN a DMS migration
      // WHEN
      const { template } = build(serverless());
      // THEN
      const writers = propertiesOf(template, 'AWS::DMS::Endpoint').filter((e) => e.EndpointType === 'target');
      expect(writers).toHaveLength(2);
      for (const writer of writers) {
        expect(writer.PostgreSqlSettings.AfterConnectScript).toBe(TARGET_AFTER_CONNECT_SCRIPT);
        expect(writer.PostgreSqlSettings.HeartbeatEnable).toBeUndefined();
      }
    });
  });

  describe('TLS', () => {
    it('encrypts and warns that the server is not verified when verification is asked for without a DMS certificate', () => {
      // GIVEN the default sslMode (verify-full) and no DMS certificate
      // WHEN
      const { stack, template } = build(serverless());
      // THEN every endpoint encrypts without verification, and synth says so for each database
      for (const endpoint of propertiesOf(template, 'AWS::DMS::Endpoint')) {
        expect(endpoint.SslMode).toBe('require');
        expect(endpoint.CertificateArn).toBeUndefined();
      }
      const warnings = Annotations.fromStack(stack).findWarning('/Test/Dms', Match.stringLikeRegexp('server is not verified'));
      expect(warnings.map((w) => String(w.entry.data))).toEqual([
        expect.stringMatching(/^migration 'orders': source: .*source\.dmsCertificateArn is not set, so the DMS endpoints use sslMode 'require' instead of 'verify-full'/),
        expect.stringMatching(/^migration 'orders': target: .*target\.dmsCertificateArn is not set/),
      ]);
    });

    it('verifies the server with the configured mode when a DMS certificate is given', () => {
      // GIVEN a DMS certificate for both databases, the target verified by CA only
      // WHEN
      const { stack, template } = build((m) => {
        serverless()(m);
        m.source.dmsCertificateArn = CERT;
        m.target.dmsCertificateArn = CERT;
        m.target.sslMode = 'verify-ca';
      });
      // THEN
      const modes = propertiesOf(template, 'AWS::DMS::Endpoint').map((e) => [e.EndpointType, e.SslMode, e.CertificateArn]);
      expect(modes).toEqual([
        ['source', 'verify-full', CERT],
        ['target', 'verify-ca', CERT],
        ['source', 'verify-ca', CERT],
        ['target', 'verify-full', CERT],
      ]);
      Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
    });

    it('uses require without a warning when the configuration asks for require', () => {
      // GIVEN sslMode require on both databases
      // WHEN
      const { stack, template } = build((m) => {
        serverless()(m);
        m.source.sslMode = 'require';
        m.target.sslMode = 'require';
      });
      // THEN
      for (const endpoint of propertiesOf(template, 'AWS::DMS::Endpoint')) expect(endpoint.SslMode).toBe('require');
      Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
    });
  });

  describe('what is replicated, and how', () => {
    it('maps the include and exclude patterns to the same selection rules in both directions', () => {
      // GIVEN two schemas included and one table pattern excluded
      // WHEN
      const { template } = build((m) => {
        serverless()(m);
        m.tables = { include: ['public.*', 'billing.*'], exclude: ['public.session_*'] };
      });
      // THEN
      const expected = dmsTableMappings('orders', { include: ['public.*', 'billing.*'], exclude: ['public.session_*'] });
      const mappings = propertiesOf(template, 'AWS::DMS::ReplicationConfig').map((c) => c.TableMappings);
      expect(mappings).toEqual([expected, expected]);
      expect(expected.rules.map((r) => [r['rule-action'], r['object-locator']['table-name']])).toEqual([
        ['include', '%'],
        ['include', '%'],
        ['exclude', 'session[_]%'],
        ['explicit', 'cutover_marker'],
      ]);
    });

    it('gives instance tasks the same mappings as JSON', () => {
      // GIVEN a migration on a replication instance, all of public
      // WHEN
      const { template } = build(instance());
      // THEN
      for (const task of propertiesOf(template, 'AWS::DMS::ReplicationTask')) {
        expect(JSON.parse(task.TableMappings)).toEqual(dmsTableMappings('orders', { include: ['public.*'] }));
      }
    });

    it('refuses a pattern DMS cannot express, naming migration and field', () => {
      // GIVEN a pattern with a literal %
      // WHEN / THEN synth fails, naming migration, field and pattern
      expect(() =>
        build((m) => {
          serverless()(m);
          m.tables = { include: ['public.*', 'public.rate_100%'] };
        }),
      ).toThrow("migration 'orders': tables.include[1]: 'public.rate_100%' cannot be expressed as a DMS table mapping");
    });

    it.each([
      ['serverless', serverless({ lobMaxSizeKb: 64 }), 'AWS::DMS::ReplicationConfig', 'ReplicationSettings'],
      ['instance', instance({ lobMaxSizeKb: 64 }), 'AWS::DMS::ReplicationTask', 'ReplicationTaskSettings'],
    ] as const)('%s: loads into an existing schema, limited LOB mode at the configured size, logging on', (_kind, change, type, key) => {
      // GIVEN LOBs up to 64 KB
      // WHEN
      const { template } = build(change);
      // THEN
      const all = propertiesOf(template, type).map((p) => (typeof p[key] === 'string' ? JSON.parse(p[key]) : p[key]));
      expect(all).toHaveLength(2);
      for (const settings of all) {
        expect(settings.FullLoadSettings.TargetTablePrepMode).toBe('DO_NOTHING');
        expect(settings.TargetMetadata).toMatchObject({ SupportLobs: true, FullLobMode: false, LimitedSizeLobMode: true, LobMaxSize: 64 });
        expect(settings.Logging.EnableLogging).toBe(true);
        expect(settings.ValidationSettings.EnableValidation).toBe(false);
        expect(settings.ErrorBehavior.DataErrorPolicy).toBe('STOP_TASK');
      }
    });
  });

  describe('full-load tuning', () => {
    it('writes fullLoad.dms into both tasks, and warns that batch apply gives up the source transaction order', () => {
      // GIVEN 16 subtasks, commits of 20000 rows and batch apply
      const migration = migrationWith((m) => {
        instance()(m);
        m.fullLoad = { dms: { maxFullLoadSubTasks: 16, commitRate: 20_000, batchApply: true } };
      });
      // WHEN
      const { stack, template } = build((m) => instance()(m), { loadTuning: migration.fullLoad.dms });
      // THEN
      for (const task of propertiesOf(template, 'AWS::DMS::ReplicationTask')) {
        const settings = JSON.parse(task.ReplicationTaskSettings);
        expect(settings.FullLoadSettings).toMatchObject({ MaxFullLoadSubTasks: 16, CommitRate: 20_000 });
        expect(settings.TargetMetadata.BatchApplyEnabled).toBe(true);
      }
      const warnings = Annotations.fromStack(stack).findWarning('/Test/Dms', Match.stringLikeRegexp('batchApply is on'));
      expect(warnings).toHaveLength(1);
    });

    it('keeps the DMS defaults without tuning, and transactional apply', () => {
      // GIVEN a serverless migration without loadTuning
      // WHEN
      const { template } = build(serverless());
      // THEN
      for (const config of propertiesOf(template, 'AWS::DMS::ReplicationConfig')) {
        expect(config.ReplicationSettings.FullLoadSettings).toMatchObject({ MaxFullLoadSubTasks: 8, CommitRate: 10_000 });
        expect(config.ReplicationSettings.TargetMetadata.BatchApplyEnabled).toBe(false);
      }
    });
  });

  describe('deploying starts nothing', () => {
    it.each([
      ['serverless', serverless()],
      ['instance', instance()],
    ] as const)('%s: no custom resource or function that could start a replication, and no CDC start position', (_kind, change) => {
      // GIVEN a DMS migration
      // WHEN
      const { template } = build(change);
      // THEN
      const types = new Set(Object.values(template.toJSON().Resources as Record<string, { Type: string }>).map((r) => r.Type));
      for (const type of types) {
        expect(type, type).toMatch(/^AWS::(DMS|EC2::SecurityGroup$|IAM::Role$|KMS::Key$)/);
      }
      for (const task of propertiesOf(template, 'AWS::DMS::ReplicationTask')) {
        expect(task.CdcStartPosition).toBeUndefined();
        expect(task.CdcStartTime).toBeUndefined();
        expect(task.CdcStopPosition).toBeUndefined();
      }
    });
  });

  describe('secrets access role', () => {
    it('is assumed only by the regional DMS service principal and reads exactly the two secrets', () => {
      // GIVEN the databases' secrets
      // WHEN
      const { template } = build(serverless());
      // THEN
      template.resourceCountIs('AWS::IAM::Policy', 0);
      const [role] = propertiesOf(template, 'AWS::IAM::Role');
      expect(role!.AssumeRolePolicyDocument.Statement).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'dms.eu-west-1.amazonaws.com' } },
      ]);
      expect(role!.ManagedPolicyArns).toBeUndefined();
      expect(role!.Policies).toEqual([
        {
          PolicyName: 'ReadDatabaseSecrets',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: [SOURCE_SECRET, TARGET_SECRET] }],
          },
        },
      ]);
    });
  });

  it('refuses a native migration, which has no DMS resources', () => {
    // GIVEN a migration that replicates natively
    const stack = emptyStack();
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['eu-west-1a', 'eu-west-1b'] });
    const encryptionKey = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const native = migrationWith(() => {});
    // WHEN / THEN synth fails, saying that it does not use DMS
    expect(() => new DmsReplication(stack, 'Dms', { ...propsOf(native), replication: native.replication as never, vpc, subnetIds: SUBNETS, encryptionKey })).toThrow(
      "migration 'orders': replication.engine: 'native' does not use DMS; DmsReplication needs 'dms-serverless' or 'dms-instance'",
    );
  });
});
