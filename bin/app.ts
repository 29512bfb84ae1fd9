#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { ConfigError } from '../lib/config';
import { addFerryStacks } from '../lib/ferry-app';

const app = new App();
try {
  addFerryStacks(app);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // One line per problem and no stack trace: the operator needs the field, not our call stack.
  console.error(error.message);
  process.exit(1);
}
