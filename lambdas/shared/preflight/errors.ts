import { FerryError } from '../errors';
import type { PreflightReport } from './run-preflight';

/** `waive` named a check that does not exist (a typo must not silently waive nothing). */
export class UnknownCheckError extends FerryError {
  override readonly name = 'UnknownCheckError';

  constructor(
    readonly unknown: readonly string[],
    readonly valid: readonly string[],
  ) {
    super(
      `Unknown preflight check${unknown.length === 1 ? '' : 's'} in "waive": ${unknown.map((id) => `"${id}"`).join(', ')}. ` +
        `Nothing was run. Valid check ids: ${valid.join(', ')}.`,
    );
  }
}

/** How much of each blocking check's message goes into the error (Step Functions keeps the cause short; the report has it all). */
const MESSAGE_CHARS = 600;

/** Preflight found errors that were not waived; store the report before throwing this. */
export class PreflightFailedError extends FerryError {
  override readonly name = 'PreflightFailedError';
  /** Ids of the checks that block the start. */
  readonly blocking: readonly string[];

  constructor(report: Pick<PreflightReport, 'blocking' | 'checks'>) {
    const byId = new Map(report.checks.map((c) => [c.id, c.message]));
    const lines = report.blocking.map((id) => {
      const message = byId.get(id) ?? '';
      return `- ${id}: ${message.length > MESSAGE_CHARS ? `${message.slice(0, MESSAGE_CHARS - 1)}…` : message}`;
    });
    const n = report.blocking.length;
    super(
      `Preflight found ${n} blocking problem${n === 1 ? '' : 's'}; the migration was not started.\n` +
        `${lines.join('\n')}\n` +
        `Fix them and start again (the preflight report has every check). To accept a problem and start anyway, waive its check by ` +
        `name in the workflow input, e.g. "waive": [${report.blocking.map((id) => `"${id}"`).join(', ')}]; the waiver is recorded in the report.`,
    );
    this.blocking = report.blocking;
  }
}
