import { mapWithConcurrency } from '../concurrency';
import type { CheckOutcome, CheckResult, Engine, PreflightCheck, PreflightContext, Severity } from './check';
import { connectivity, connectivityResult, probeDatabases, PROBE_TIMEOUT_MS } from './checks/connectivity';
import { PREFLIGHT_CHECKS } from './checks/index';
import { PreflightFailedError, UnknownCheckError } from './errors';

export { PreflightFailedError, UnknownCheckError } from './errors';

export interface RunPreflightOptions {
  /** Ids of checks whose error must not block the start; recorded in the report. @default none */
  readonly waive?: readonly string[];
  /** The checks to run (tests replace them). @default PREFLIGHT_CHECKS */
  readonly checks?: readonly PreflightCheck[];
  /** Checks running at once; each takes one connection per database it reads. @default 4 */
  readonly concurrency?: number;
  /** How long to wait for each database to accept a connection. @default 30000 */
  readonly probeTimeoutMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/** One check in the stored report. */
export interface CheckReport extends CheckResult {
  readonly title: string;
  readonly durationMs: number;
  /** An error that the input waived: recorded, and not blocking. */
  readonly waived?: true;
  /** Not run because a database it reads could not be reached (the connectivity check has the error). */
  readonly notRun?: true;
  /** How many objects there were, when `objects` was cut to OBJECTS_KEPT. */
  readonly objectCount?: number;
}

/** What preflight stores in the checkpoint table (`REPORT#preflight#...`). */
export interface PreflightReport {
  readonly engine: Engine;
  /** Every check that applies to the engine, in PREFLIGHT_CHECKS order. */
  readonly checks: readonly CheckReport[];
  /** Ids of the checks with an error that was not waived. */
  readonly blocking: readonly string[];
  /** Ids of the checks with an error that a waiver let through. */
  readonly waived: readonly string[];
  /** Every id the input asked to waive, whether or not that check found an error. */
  readonly waivers: readonly string[];
  readonly counts: Readonly<Record<Severity, number>>;
  /** True when nothing blocks the start. */
  readonly passed: boolean;
  /** ISO time the run started. */
  readonly startedAt: string;
  readonly durationMs: number;
}

/** Objects kept per check in the report, so a selection of thousands of tables still fits in one report item. */
export const OBJECTS_KEPT = 200;

/**
 * Runs every check that applies to the engine and decides whether the migration may start.
 *
 * Both databases are probed first. A check that reads a database that could not be reached is not
 * run (reported as `info`, "not run", with `notRun`), because its own error would only repeat the
 * connectivity error, after waiting for the same timeout again. A check that throws becomes an
 * `error` result carrying the exception's message, so one broken check hides no other.
 *
 * @throws UnknownCheckError when `waive` names a check that does not exist (before anything runs).
 */
export async function runPreflight(ctx: PreflightContext, options: RunPreflightOptions = {}): Promise<PreflightReport> {
  const checks = options.checks ?? PREFLIGHT_CHECKS;
  const now = options.now ?? Date.now;
  const validIds = checks.map((c) => c.id);
  const waivers = [...new Set(options.waive ?? [])];
  const unknown = waivers.filter((id) => !validIds.includes(id));
  if (unknown.length > 0) throw new UnknownCheckError(unknown, validIds);

  const started = now();
  const applicable = checks.filter((c) => c.engines === undefined || c.engines.includes(ctx.engine));
  const reach = await probeDatabases(ctx, options.probeTimeoutMs ?? PROBE_TIMEOUT_MS);

  const results = await mapWithConcurrency(applicable, options.concurrency ?? 4, async (check): Promise<CheckReport> => {
    const checkStarted = now();
    let outcome: CheckOutcome;
    let notRun = false;
    const unreachable = check.databases.filter((side) => !reach[side].ok);
    if (check.id === connectivity.id) {
      outcome = connectivityResult(reach);
    } else if (unreachable.length > 0) {
      notRun = true;
      outcome = {
        severity: 'info',
        message: `Not run: the ${unreachable.join(' and ')} database${unreachable.length === 2 ? 's' : ''} could not be reached (see the connectivity check). Run preflight again once ${unreachable.length === 2 ? 'they are' : 'it is'} reachable.`,
        objects: [],
      };
    } else {
      try {
        outcome = await check.run(ctx);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        outcome = {
          severity: 'error',
          message: `The check could not complete: ${reason}. Fix the cause and run preflight again; waive "${check.id}" only if you accept not knowing its answer.`,
          objects: [],
        };
      }
    }
    const waived = outcome.severity === 'error' && waivers.includes(check.id);
    return {
      id: check.id,
      title: check.title,
      severity: outcome.severity,
      message: outcome.message,
      objects: outcome.objects.slice(0, OBJECTS_KEPT),
      ...(outcome.objects.length > OBJECTS_KEPT ? { objectCount: outcome.objects.length } : {}),
      ...(waived ? { waived: true as const } : {}),
      ...(notRun ? { notRun: true as const } : {}),
      durationMs: now() - checkStarted,
    };
  });

  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0, ok: 0 };
  for (const r of results) counts[r.severity]++;
  const blocking = results.filter((r) => r.severity === 'error' && !r.waived).map((r) => r.id);
  return {
    engine: ctx.engine,
    checks: results,
    blocking,
    waived: results.filter((r) => r.waived).map((r) => r.id),
    waivers: validIds.filter((id) => waivers.includes(id)),
    counts,
    passed: blocking.length === 0,
    startedAt: new Date(started).toISOString(),
    durationMs: now() - started,
  };
}

/** Throws PreflightFailedError when something blocks the start; store the report first. */
export function assertPreflightPassed(report: PreflightReport): void {
  if (!report.passed) throw new PreflightFailedError(report);
}
