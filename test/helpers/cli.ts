import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

/** The repository root. */
export const ROOT = path.join(__dirname, '..', '..');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  /** Added to this process's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Working directory (default: this process's). */
  readonly cwd?: string;
  /** Its own process group, so that a signal to -pid reaches every process it starts. */
  readonly detached?: boolean;
  /** Called with all of stderr so far, each time more arrives. */
  readonly onStderr?: (stderr: string, child: ChildProcess) => void;
}

/**
 * Runs the operator CLI as `npm run` does, `node --import tsx bin/ferry.ts <args>` (node loads
 * tsx itself, so signals reach the CLI and not a wrapper), and collects its exit code and output.
 */
export function runFerry(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  // tsx by file URL: it resolves from any working directory.
  const tsx = pathToFileURL(path.join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', tsx, path.join(ROOT, 'bin', 'ferry.ts'), ...args], {
      cwd: options.cwd,
      detached: options.detached,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...options.env },
    });
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
