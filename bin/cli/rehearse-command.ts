import { Command } from 'commander';
import { command, EXIT, type CommandContext } from './command';
import { errStream } from './io';
import { positiveInt } from './options';
import { UsageError } from './usage-error';

export const REHEARSE_DEFAULTS = { rows: 1_000_000, clients: 4 } as const;

export interface RehearseCommandOptions {
  /** @default 1_000_000 */
  rows?: number;
  /** @default 4 */
  clients?: number;
  rollback?: boolean;
  json?: boolean;
}

/** At least one client: a rehearsal without writes would prove nothing about them. */
const clientCount = (value: string): number => {
  const n = positiveInt('--clients')(value);
  if (n < 1) throw new UsageError(`--clients: expected at least 1 client, got '${value}'`);
  return n;
};

/**
 * `ferry rehearse`: the whole move on this machine under live writes (local/rehearsal). Progress
 * goes to stderr, the report to stdout, so `--json` output can be piped. An interrupt (Ctrl-C)
 * stops the rehearsal and removes everything it started, then exits with 130.
 */
export const run = command(async (options: RehearseCommandOptions, io) => {
  const o = { ...REHEARSE_DEFAULTS, ...options };
  // Loaded here, not at the top: the local stack takes most of a second to load, which every other command would pay.
  const [{ rehearse, RehearsalAbortedError, RehearsalWorkflowError }, { exitCodeOf, renderReport, reportJson }, { LiveView }] = await Promise.all([
    import('../../local/rehearsal/rehearse'),
    import('../../local/rehearsal/report'),
    import('../../local/rehearsal/view'),
  ]);
  const abort = new AbortController();
  let finished: Promise<unknown> = Promise.resolve();
  let interrupted = false;
  io.onInterrupt(() => {
    if (!interrupted) io.err('\nStopping: removing the servers and temporary files\n');
    interrupted = true;
    abort.abort();
    return finished;
  });
  try {
    const running = rehearse({ rows: o.rows, clients: o.clients, rollback: o.rollback ?? false, view: new LiveView(errStream(io)), signal: abort.signal });
    finished = running.catch(() => undefined);
    const report = await running;
    io.out(o.json ? `${JSON.stringify(reportJson(report), null, 2)}\n` : `${renderReport(report)}\n`);
    return exitCodeOf(report);
  } catch (error) {
    if (error instanceof RehearsalAbortedError) {
      io.err(`ferry: ${error.message}\n`);
      return EXIT.interrupted;
    }
    if (error instanceof RehearsalWorkflowError) {
      io.err(`ferry: ${error.message}\n`);
      return EXIT.finding;
    }
    throw error;
  }
});

export function rehearseCommand(ctx: CommandContext): Command {
  return new Command('rehearse')
    .description('rehearse the whole move on this machine: two PostgreSQL servers, live writes, the real migrate and cutover workflows; reports what the cutover costs (exit 1 if a write was lost, duplicated or phantom)')
    .option('--rows <n>', 'rows loaded into the source, over all tables', positiveInt('--rows'), REHEARSE_DEFAULTS.rows)
    .option('--clients <n>', 'application clients writing at the same time (inserts, updates of loaded rows, deletes), each on its own rows', clientCount, REHEARSE_DEFAULTS.clients)
    .option('--rollback', 'fire a rollback alarm during the observation window, as EventBridge would, and run the rollback workflow')
    .option('--json', 'print the report as one JSON document')
    .action(async (options: RehearseCommandOptions) => ctx.exit(await run(options, ctx.io)));
}
