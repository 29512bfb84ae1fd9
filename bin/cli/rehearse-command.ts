import { Command } from 'commander';
import { rehearse, RehearsalAbortedError, RehearsalWorkflowError } from '../../local/rehearsal/rehearse';
import { exitCodeOf, renderReport, reportJson } from '../../local/rehearsal/report';
import { LiveView } from '../../local/rehearsal/view';
import { positiveInt } from './options';

interface RehearseCommandOptions {
  rows: number;
  rollback?: boolean;
  json?: boolean;
}

/** Exit code after Ctrl-C, as shells report a process ended by SIGINT. */
const EXIT_INTERRUPTED = 130;

/**
 * `ferry rehearse`: the whole move on this machine under live writes (local/rehearsal). Progress
 * goes to stderr, the report to stdout, so `--json` output can be piped. Ctrl-C stops the
 * rehearsal and removes everything it started; a second Ctrl-C exits at once.
 */
export function rehearseCommand(): Command {
  return new Command('rehearse')
    .description('rehearse the whole move on this machine: two PostgreSQL servers, live writes, the real migrate and cutover workflows; reports what the cutover costs (exit 1 if a write was lost or duplicated)')
    .option('--rows <n>', 'rows loaded into the source, over all tables', positiveInt('--rows'), 1_000_000)
    .option('--rollback', 'fire a rollback alarm during the observation window, as EventBridge would, and run the rollback workflow')
    .option('--json', 'print the report as one JSON document')
    .action(async (options: RehearseCommandOptions) => {
      const abort = new AbortController();
      let interrupts = 0;
      const onSignal = () => {
        interrupts += 1;
        if (interrupts > 1) process.exit(EXIT_INTERRUPTED);
        process.stderr.write('\nStopping: removing the servers and temporary files (Ctrl-C again to exit at once)\n');
        abort.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        const report = await rehearse({ rows: options.rows, rollback: options.rollback ?? false, view: new LiveView(process.stderr), signal: abort.signal });
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
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
