import { App } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import cdkJson from '../../cdk.json';
import { ConfigError } from '../../lib/config';
import { addFerryStacks } from '../../lib/ferry-app';
import { validEnvironment } from './config.fixture';
import { TEST_CONTEXT } from './stack.fixture';

const outdirs: string[] = [];
function appWith(environments: unknown): App {
  const outdir = mkdtempSync(path.join(tmpdir(), 'ferry-cdk-'));
  outdirs.push(outdir);
  return new App({ outdir, context: { ...cdkJson.context, ...TEST_CONTEXT, environments } });
}
afterEach(() => {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Unacknowledged AwsSolutions findings as `rule at construct path` lines, for readable failures. */
function nagFindings(app: App): string[] {
  return new AwsSolutionsChecks()
    .validateScope(app)
    .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath ?? r.resourceLogicalId}`));
}

describe('addFerryStacks', () => {
  it('makes one Ferry-<env> stack per environment, in its account and region', () => {
    const app = appWith(cdkJson.context.environments);
    const stacks = addFerryStacks(app);
    expect(stacks.map((s) => [s.stackName, s.account, s.region])).toEqual([
      ['Ferry-dev', '111111111111', 'eu-west-1'],
      ['Ferry-prod', '222222222222', 'eu-west-1'],
    ]);
  });

  it('has no unacknowledged cdk-nag AwsSolutions finding for any environment in cdk.json', () => {
    const app = appWith(cdkJson.context.environments);
    addFerryStacks(app);
    expect(nagFindings(app)).toEqual([]);
    expect(() => app.synth()).not.toThrow();
  });

  it('has no unacknowledged finding when stateful resources are not retained', () => {
    const app = appWith({ scratch: { ...validEnvironment(), retainStatefulResources: false } });
    addFerryStacks(app);
    expect(nagFindings(app)).toEqual([]);
  });

  it('fails synth when a construct brings a new finding', () => {
    // GIVEN a stack to which someone adds a topic that accepts plain-text publishers
    const app = appWith(cdkJson.context.environments);
    const [dev] = addFerryStacks(app);
    new sns.Topic(dev!, 'CarelessTopic');
    // THEN cdk-nag names it, and synth refuses to produce an assembly
    expect(nagFindings(app)).toContain('AwsSolutions-SNS3 at Ferry-dev/CarelessTopic/Resource');
    expect(() => app.synth()).toThrow(/AwsSolutions-SNS3/);
  });

  it('throws a ConfigError naming each problem before creating any stack', () => {
    const bad = validEnvironment();
    (bad as Record<string, unknown>).region = 'mars-1';
    const app = appWith({ dev: bad });
    expect(() => addFerryStacks(app)).toThrow(ConfigError);
    expect(app.node.children).toHaveLength(0);
  });
});
