import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { expect, vi } from 'vitest';
import { parseEnvironments, type EnvironmentConfig } from '../../lib/config';
import { FerryStack } from '../../lib/ferry-stack';
import { validEnvironment } from './config.fixture';

/**
 * The one way test/lib synthesizes: `synthesize` for constructs in an empty stack, `ferryStack`
 * for the whole stack of an environment, and the readers of the templates they return.
 */

type Json = any;

/** Context that keeps CDK tests fast: no Lambda bundling. */
export const TEST_CONTEXT = { 'aws:cdk:bundling-stacks': [] };

/** A stack named `stackName` in a fixed account/region, for constructs tested on their own. */
export function emptyStack(stackName = 'Test'): Stack {
  const app = new App({ context: TEST_CONTEXT });
  return new Stack(app, stackName, { env: { account: '123456789012', region: 'eu-west-1' } });
}

/** What a synthesis gives a test: what `build` returned, the stack, its template, and `ref` (a value as the template spells it). */
export type Synthesized<T> = T & {
  readonly stack: Stack;
  readonly template: Template;
  ref(value: unknown): Json;
};

/** Synthesizes what `build` adds to an empty stack (named `stackName`, `Test` by default). */
export function synthesize<T extends object>(build: (stack: Stack) => T, options: { stackName?: string } = {}): Synthesized<T> {
  const stack = emptyStack(options.stackName);
  const built = build(stack);
  return { ...built, stack, template: Template.fromStack(stack), ref: (value: unknown) => stack.resolve(value) };
}

/** A FerryStack for the valid test environment (`Ferry-test`), with `change` applied to its raw config first; `config` is that config, parsed. */
export function ferryStack(change: (env: ReturnType<typeof validEnvironment>) => void = () => {}): Synthesized<{ stack: FerryStack; config: EnvironmentConfig }> {
  const raw = validEnvironment();
  change(raw);
  const config = parseEnvironments({ test: raw }).test!;
  const app = new App({ context: TEST_CONTEXT });
  const stack = new FerryStack(app, 'Ferry-test', { environmentName: 'test', config });
  return { stack, config, template: Template.fromStack(stack), ref: (value: unknown) => stack.resolve(value) };
}

// ---------------------------------------------------------------------------------------------
// Reading a template

/** The properties of the one alarm named `name`. */
export function alarmNamed(template: Template, name: string): Json {
  const found = Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: name } }));
  expect(found, name).toHaveLength(1);
  return found[0]!.Properties;
}

/** Every statement of the policies attached to the role with this logical id. */
export function roleStatements(template: Template, roleId: string): Json[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(JSON.stringify({ Ref: roleId })))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

/** What an alarm that tells `topic` on ALARM and on OK has in the template (`topic` as the template spells it). */
export const notifies = (topic: Json) => ({ AlarmActions: [topic], OKActions: [topic] });

/** CloudWatch's form of a dimension map: `[{ Name, Value }]`. */
export const dimensionsOf = (map: Record<string, string>) => Object.entries(map).map(([Name, Value]) => ({ Name, Value }));

/** Unacknowledged cdk-nag AwsSolutions findings under `scope`, as `rule at construct path` lines (readable failures). */
export function nagFindings(scope: IConstruct): string[] {
  return new AwsSolutionsChecks()
    .validateScope(scope)
    .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath ?? r.resourceLogicalId}`));
}

// ---------------------------------------------------------------------------------------------
// Metrics: what the code publishes and what an alarm reads

/** What identifies a CloudWatch metric: namespace, name and all of its dimensions. */
export interface MetricIdentity {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Record<string, string>;
}

/** The metric an alarm reads, from its properties in the template. */
export function alarmMetric(alarm: Json): MetricIdentity {
  return { namespace: alarm.Namespace, name: alarm.MetricName, dimensions: Object.fromEntries(alarm.Dimensions.map((d: Json) => [d.Name, d.Value])) };
}

/** A published metric without its value. */
export const identityOf = ({ namespace, name, dimensions }: MetricIdentity): MetricIdentity => ({ namespace, name, dimensions });

/** The metrics `run` publishes with Powertools (EMF lines on stdout), each with its value, in order. */
export async function publishedMetrics(run: () => Promise<unknown>): Promise<Array<MetricIdentity & { value: unknown }>> {
  const lines: string[] = [];
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    await run();
  } finally {
    stdout.mockRestore();
  }
  return lines
    .filter((l) => l.includes('"_aws"'))
    .map((l) => {
      const emf = JSON.parse(l) as Json;
      const { Namespace, Dimensions, Metrics } = emf._aws.CloudWatchMetrics[0];
      return { namespace: Namespace, name: Metrics[0].Name, dimensions: Object.fromEntries(Dimensions[0].map((d: string) => [d, emf[d]])), value: emf[Metrics[0].Name] };
    });
}
