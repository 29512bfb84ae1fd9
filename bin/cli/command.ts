import { ConfigError } from '../../lib/config-error';
import type { CliIo } from './io';

/** Exit codes shared by every command: 0 ok / equal, 1 a finding (difference, bad config), 2 could not run. */
export const EXIT = { ok: 0, finding: 1, error: 2, /** after Ctrl-C, as shells report a process ended by SIGINT */ interrupted: 130 } as const;

/** A command: its parsed options and the world in, its exit code out. */
export type Run<Options> = (options: Options, io: CliIo) => Promise<number>;

/** What a commander action needs: the io to run with, and where to hand the exit code. */
export interface CommandContext {
  readonly io: CliIo;
  exit(code: number): void;
}

/**
 * What a command throws, as one line on stderr and an exit code: a bad configuration is a
 * finding (1), with its own lines; anything else means the command could not run (2), with no
 * stack trace (a UsageError, a database that cannot be reached or queried, ...).
 */
export function reportError(error: unknown, io: CliIo): number {
  if (error instanceof ConfigError) {
    io.err(`${error.message}\n`);
    return EXIT.finding;
  }
  io.err(`ferry: ${error instanceof Error ? error.message : String(error)}\n`);
  return EXIT.error;
}

/** A command whose errors become their exit code: run in-process, it returns what the binary would exit with. */
export function command<Options>(body: Run<Options>): Run<Options> {
  return async (options, io) => {
    try {
      return await body(options, io);
    } catch (error) {
      return reportError(error, io);
    }
  };
}
