import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { parseEnvironments } from '../../lib/config';
import { FerryStack } from '../../lib/ferry-stack';
import { validEnvironment } from './config.fixture';

/** Context that keeps CDK tests fast: no Lambda bundling. */
export const TEST_CONTEXT = { 'aws:cdk:bundling-stacks': [] };

/** A stack in a fixed account/region, for constructs tested on their own. */
export function emptyStack(): Stack {
  const app = new App({ context: TEST_CONTEXT });
  return new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
}

/** A FerryStack for the valid test environment, with `change` applied to its raw config first. */
export function ferryStack(change: (env: ReturnType<typeof validEnvironment>) => void = () => {}): {
  stack: FerryStack;
  template: Template;
} {
  const raw = validEnvironment();
  change(raw);
  const config = parseEnvironments({ test: raw }).test!;
  const app = new App({ context: TEST_CONTEXT });
  const stack = new FerryStack(app, 'Ferry-test', { environmentName: 'test', config });
  return { stack, template: Template.fromStack(stack) };
}
