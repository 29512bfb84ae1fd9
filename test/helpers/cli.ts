import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { Run } from '../../bin/cli/command';
import type { CliIo } from '../../bin/cli/io';

/** The repository root. */
export const ROOT = path.join(__dirname, '..', '..');

/** The binary: the CLI's bundle (package.json `bin.ferry`, built by scripts/build-cli.mjs). */
export const FERRY_BIN = path.join(ROOT, 'dist', 'ferry.js');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  /** Added to this process's environment; a variable given as undefined is removed from it. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Working directory (default: this process's). */
  readonly cwd?: string;
  /** Its own process group, so that a signal to -pid reaches every process it starts. */
  readonly detached?: boolean;
  /** Called with all of stderr so far, each time more arrives. */
  readonly onStderr?: (stderr: string, child: ChildProcess) => void;
}

/** An io that keeps what a command writes, for running commands in-process. */
export interface CapturingIo extends CliIo {
  readonly stdout: string;
  readonly stderr: string;
}

export interface CapturingIoOptions {
  /** The command's whole environment (default: none; nothing of this process's leaks in). */
  readonly env?: Readonly<Record<string, string>>;
  /** The clock (default: Date.now). */
  readonly now?: () => number;
  /** Pretend stderr is a terminal this wide. */
  readonly terminalColumns?: number;
}

export function capturingIo(options: CapturingIoOptions = {}): CapturingIo {
  let stdout = '';
  let stderr = '';
  return {
    out: (text) => void (stdout += text),
    err: (text) => void (stderr += text),
    env: options.env ?? {},
    now: options.now ?? (() => Date.now()),
    errTerminal: options.terminalColumns === undefined ? undefined : { columns: options.terminalColumns },
    // Nothing interrupts a command run in-process.
    onInterrupt: () => undefined,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
  };
}

/** Runs one command in-process, `run(options, io)`, with a capturing io: the same result a spawned `ferry` gives. */
export function runCommand<O>(run: Run<O>, options: O, io: CapturingIoOptions = {}): Promise<CliResult> {
  return captured(io, (captor) => run(options, captor));
}

/**
 * The whole program in-process, arguments and all (`main(args, io)`): for what commander itself
 * decides (option parsers, choices, conflicts), which `runCommand` passes by.
 */
export function ferryInProcess(args: readonly string[], io: CapturingIoOptions = {}): Promise<CliResult> {
  // Imported when used: a test file that only runs commands does not build the whole program.
  return captured(io, async (captor) => (await import('../../bin/cli/program')).main(args, captor));
}

async function captured(options: CapturingIoOptions, body: (io: CapturingIo) => Promise<number>): Promise<CliResult> {
  const io = capturingIo(options);
  const code = await body(io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

let built = false;

/**
 * Builds the bundle when a source file is newer than it (`build-cli.mjs --if-stale`), once per
 * test file: the tests run what `npx ferry` runs, never a stale build.
 */
export function buildFerryIfStale(): void {
  if (built) return;
  const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build-cli.mjs'), '--if-stale'], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`scripts/build-cli.mjs failed (exit ${build.status}):\n${build.stderr}`);
  built = true;
}

/**
 * Runs the operator CLI as `npx ferry` and `npm run ferry` do, `node dist/ferry.js <args>` (node
 * itself, so signals reach the CLI and not a wrapper), and collects its exit code and output.
 * Nothing silences the AWS SDK's Node 20 warning here: the binary does that itself.
 */
export function runFerry(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  buildFerryIfStale();
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [FERRY_BIN, ...args], { cwd: options.cwd, detached: options.detached, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      options.onStderr?.(stderr, child);
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `runFerry` with the arguments spread: `await ferry('compare', '--source', url, ...)`. */
export const ferry = (...args: string[]): Promise<CliResult> => runFerry(args);
