import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { command, EXIT, type CommandContext } from './command';

/** The repository's cdk.json, wherever the CLI is started from. */
export const DEFAULT_CDK_JSON = path.join(__dirname, '..', '..', 'cdk.json');

export interface ConfigCommandOptions {
  /** Only this environment. */
  env?: string;
  /** @default DEFAULT_CDK_JSON */
  cdkJson?: string;
}

/** `ferry config`: the environments with every default filled in; exit 1 (ConfigError) on a bad one. */
export const run = command(async (options: ConfigCommandOptions, io) => {
  // Loaded when the command runs, not by every `ferry` start (docs/architecture.md, The CLI).
  const { ConfigError, ENVIRONMENTS_CONTEXT_KEY, parseEnvironments } = await import('../../lib/config');
  const context = JSON.parse(readFileSync(options.cdkJson ?? DEFAULT_CDK_JSON, 'utf8')).context ?? {};
  const environments = parseEnvironments(context[ENVIRONMENTS_CONTEXT_KEY]);
  if (options.env !== undefined && !(options.env in environments)) {
    throw new ConfigError([`--env: no environment '${options.env}' (known: ${Object.keys(environments).join(', ')})`]);
  }
  const shown = options.env === undefined ? environments : { [options.env]: environments[options.env] };
  io.out(`${JSON.stringify(shown, null, 2)}\n`);
  return EXIT.ok;
});

export function configCommand(ctx: CommandContext): Command {
  return new Command('config')
    .description('validate the environments in cdk.json and print them with every default filled in')
    .option('--env <name>', 'print only this environment')
    .option('--cdk-json <file>', 'the cdk.json to read', DEFAULT_CDK_JSON)
    .action(async (options: ConfigCommandOptions) => ctx.exit(await run(options, ctx.io)));
}
