import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ENVIRONMENTS_CONTEXT_KEY, parseEnvironments } from './config';
import { FerryStack } from './ferry-stack';

/**
 * Adds one `Ferry-<env>` stack per environment in the app's context and the cdk-nag
 * AwsSolutions checks, which run on every synth. Throws ConfigError on a bad configuration.
 */
export function addFerryStacks(app: App): FerryStack[] {
  const environments = parseEnvironments(app.node.tryGetContext(ENVIRONMENTS_CONTEXT_KEY));
  const stacks = Object.entries(environments).map(
    ([name, config]) => new FerryStack(app, `Ferry-${name}`, { environmentName: name, config }),
  );
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stacks;
}
