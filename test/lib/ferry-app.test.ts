import { App } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import cdkJson from '../../cdk.json';
import { ConfigError } from '../../lib/config';
import { addFerryStacks } from '../../lib/ferry-app';
import { validEnvironment } from './config.fixture';
import { nagFindings, TEST_CONTEXT } from './stack.fixture';

const outdirs: string[] = [];
function appWith(environments: unknown): App {
  const outdir = mkdtempSync(path.join(tmpdir(), 'ferry-cdk-'));
  outdirs.push(outdir);
  return new App({ outdir, context: { ...cdkJson.context, ...TEST_CONTEXT, environments } });
}
afterEach(() => {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('addFerryStacks', () => {
  it('makes one Ferry-<env> stack per environment, in its account and region', () => {
    // GIVEN the environments in cdk.json
    const app = appWith(cdkJson.context.environments);
    // WHEN
    const stacks = addFerryStacks(app);
    // THEN
    expect(stacks.map((s) => [s.stackName, s.account, s.region])).toEqual([
      ['Ferry-dev', '111111111111', 'eu-west-1'],
      ['Ferry-prod', '222222222222', 'eu-west-1'],
    ]);
  });

  it('has no unacknowledged cdk-nag AwsSolutions finding for any environment in cdk.json', () => {
    // GIVEN the environments in cdk.json
    const app = appWith(cdkJson.context.environments);
    // WHEN
    addFerryStacks(app);
    // THEN
    expect(nagFindings(app)).toEqual([]);
    expect(() => app.synth()).not.toThrow();
  });

  it('has no unacknowledged finding when stateful resources are not retained', () => {
    // GIVEN an environment that does not retain its stateful resources
    const app = appWith({ scratch: { ...validEnvironment(), retainStatefulResources: false } });
    // WHEN
    addFerryStacks(app);
    // THEN
    expect(nagFindings(app)).toEqual([]);
  });

  it('fails synth when a construct brings a new finding', () => {
    // GIVEN the stacks of cdk.json
    const app = appWith(cdkJson.context.environments);
    const [dev] = addFerryStacks(app);
    // WHEN someone adds a topic that accepts plain-text publishers
    new sns.Topic(dev!, 'CarelessTopic');
    // THEN cdk-nag names it, and synth refuses to produce an assembly
    expect(nagFindings(app)).toContain('AwsSolutions-SNS3 at Ferry-dev/CarelessTopic/Resource');
    expect(() => app.synth()).toThrow(/AwsSolutions-SNS3/);
  });

  it('throws a ConfigError naming each problem before creating any stack', () => {
    // GIVEN an environment in no AWS region
    const bad = validEnvironment();
    (bad as Record<string, unknown>).region = 'mars-1';
    const app = appWith({ dev: bad });
    // WHEN / THEN the stacks are refused with the configuration's problems
    expect(() => addFerryStacks(app)).toThrow(ConfigError);
    // and no stack was made
    expect(app.node.children).toHaveLength(0);
  });
});
