import { Command, CommanderError } from 'commander';
import { EXIT, reportError, type CommandContext } from './command';
import { compareCommand } from './compare-command';
import { configCommand } from './config-command';
import { driftCommand } from './drift-command';
import { driftReportCommand } from './drift-report-command';
import type { CliIo } from './io';
import { preflightCommand } from './preflight-command';
import { rehearseCommand } from './rehearse-command';
import { reportCommand } from './report-command';
import { snapshotCommand } from './snapshot-command';
import { startCommand } from './start-command';
import { statusCommand } from './status-command';
import { watchCommand } from './watch-command';

/**
 * The `ferry` program: one subcommand per bin/cli/*-command.ts, its output (help, usage errors) through `ctx.io`.
 * Every start builds every definition, so a command's heavy modules load in its run, with
 * `await import()` (docs/architecture.md, The CLI; test/bin/ferry.test.ts checks it).
 */
export function ferryProgram(ctx: CommandContext): Command {
  const program = new Command()
    .name('ferry')
    .description('Ferry: move a PostgreSQL database with no lost writes and an automatic way back')
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({ writeOut: (text) => ctx.io.out(text), writeErr: (text) => ctx.io.err(text) });
  // addCommand does not pass these on by itself: errors must reach main(), not process.exit().
  for (const make of [configCommand, compareCommand, preflightCommand, driftCommand, snapshotCommand, driftReportCommand, rehearseCommand, statusCommand, startCommand, reportCommand, watchCommand]) {
    program.addCommand(make(ctx).copyInheritedSettings(program));
  }
  return program;
}

/**
 * Runs `ferry <args>` (the arguments after the program's name) and returns its exit code: the
 * command's own, 2 for a usage error commander reports (unknown command or option, a missing or
 * conflicting one), or what reportError makes of an error (an option parser's UsageError, ...).
 */
export async function main(args: readonly string[], io: CliIo): Promise<number> {
  let code: number = EXIT.ok;
  const program = ferryProgram({ io, exit: (c) => (code = c) });
  try {
    await program.parseAsync(args, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.error;
    return reportError(error, io);
  }
}
