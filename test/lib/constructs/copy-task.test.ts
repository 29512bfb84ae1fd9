import { describe, expect, it } from 'vitest';
import { ferryStack } from '../stack.fixture';

/** Synthesized once for the file (a whole stack takes seconds): the test environment, whose migration replicates natively. */
let native: ReturnType<typeof ferryStack> | undefined;
const nativeStack = () => (native ??= ferryStack());

type Json = any;

const resourcesOf = (template: { findResources(type: string): Record<string, Json> }, type: string): Json[] => Object.values(template.findResources(type));

/** Where the native engine's parallel copy runs: an ECS Fargate task the steps start (lib/constructs/copy-task.ts). */
describe('CopyTask', () => {
  it('runs the copier on Fargate arm64 as an unprivileged user with a read-only root, logging encrypted, with no secret in its definition', () => {
    // GIVEN / WHEN the test environment, whose migration replicates natively
    const { template, stack, ref } = nativeStack();

    // THEN
    const [definition] = resourcesOf(template, 'AWS::ECS::TaskDefinition');
    expect(definition.Properties).toMatchObject({
      Family: 'Ferry-test-copy',
      RequiresCompatibilities: ['FARGATE'],
      NetworkMode: 'awsvpc',
      Cpu: '2048',
      Memory: '4096',
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
    });
    const [container] = definition.Properties.ContainerDefinitions;
    expect(container).toMatchObject({ Name: 'copier', ReadonlyRootFilesystem: true, User: 'node', LogConfiguration: { LogDriver: 'awslogs' } });
    const environment = Object.fromEntries(container.Environment.map((e: Json) => [e.Name, e.Value]));
    expect(Object.keys(environment).sort()).toEqual(['AWS_NODEJS_CONNECTION_REUSE_ENABLED', 'FERRY_MIGRATIONS', 'POWERTOOLS_METRICS_NAMESPACE', 'POWERTOOLS_SERVICE_NAME']);
    expect(JSON.stringify(container)).not.toMatch(/password/i);
    const [cluster] = resourcesOf(template, 'AWS::ECS::Cluster');
    expect(cluster.Properties).toMatchObject({ ClusterName: 'Ferry-test-copy', ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }] });
    const [logs] = resourcesOf(template, 'AWS::Logs::LogGroup').filter((g) => g.Properties.LogGroupName === '/ferry/Ferry-test-copy');
    expect(logs.Properties.KmsKeyId).toEqual(ref(stack.encryptionKey.key.keyArn));
  });

  it("lets the task role read the migrations' database secrets and nothing else", () => {
    // GIVEN / WHEN
    const { template, stack, ref, config } = nativeStack();

    // THEN
    const roleId = ref(stack.copyTask!.taskDefinition.taskRole.roleArn)['Fn::GetAtt'][0];
    const policies = resourcesOf(template, 'AWS::IAM::Policy').filter((p) => p.Properties.Roles.some((r: Json) => r.Ref === roleId));
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
    const secrets = [...new Set(config.migrations.flatMap((m) => [m.source.secretArn, m.target.secretArn]))];
    expect(statements).toEqual([{ Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: secrets.length === 1 ? secrets[0] : secrets }]);
  });

  it('gives the steps the task to run in FERRY_COPY_TASK, and exists only where a migration replicates natively', () => {
    // GIVEN / WHEN a native environment and a DMS-only one
    const native = nativeStack();
    const dms = ferryStack((env) => {
      env.migrations[0]!.replication = { engine: 'dms-instance' };
    });

    // THEN
    const start = resourcesOf(native.template, 'AWS::Lambda::Function').find((f) => f.Properties.FunctionName === 'Ferry-test-start-replication');
    expect(start.Properties.Environment.Variables.FERRY_COPY_TASK).toBeDefined();
    const lock = resourcesOf(native.template, 'AWS::Lambda::Function').find((f) => f.Properties.FunctionName === 'Ferry-test-lock');
    expect(lock.Properties.Environment.Variables.FERRY_COPY_TASK).toBeUndefined();
    expect(dms.stack.copyTask).toBeUndefined();
    expect(resourcesOf(dms.template, 'AWS::ECS::TaskDefinition')).toEqual([]);
  });
});
