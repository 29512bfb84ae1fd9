import type { AttemptOf } from '../application-client';
import { auditShopWrites, type Finding, type KindFigures } from './audit';
import { WRITE_KINDS, type ShopState, type ShopWrite, type WriteKind } from './workload';

/** One application client's view of the move. */
export interface ClientWindow {
  /** The client's id prefix: its writes are `<client>-<n>`. */
  readonly client: string;
  /** The larger of its cutover and rollback windows. */
  readonly writeUnavailableMs: number;
  /** The longest gap between two of its committed writes that spans the cutover. */
  readonly cutoverMs: number;
  /** The same around the rollback, when there was one. */
  readonly rollbackMs?: number;
  readonly committed: number;
  readonly failed: number;
  readonly unknown: number;
}

/** What a rehearsal measured, from which the report and the exit code are made. */
export interface FinishFigures {
  readonly removed: readonly string[];
  readonly kept: readonly string[];
}

export interface RehearsalReport {
  readonly outcome: 'completed' | 'failed';
  readonly error?: string;
  /** Rows loaded into the source before the run. */
  readonly rows: number;
  readonly rollback: boolean;
  readonly totalMs: number;
  readonly phases: ReadonlyArray<{ readonly name: string; readonly ms: number }>;
  readonly rowsCompared: number;
  readonly compareRowsPerSecond: number;
  /** Application clients writing at the same time, each on its own rows. */
  readonly clients: number;
  /** The longest time one client could not commit a write, around the freeze: the worst client's window. */
  readonly writeUnavailableMs: number;
  /** The longest time no client at all committed a write, around the freeze (the merged stream's gap; at most writeUnavailableMs). */
  readonly mergedWriteUnavailableMs: number;
  readonly perClient: readonly ClientWindow[];
  /** Each kind of write: what the clients saw and what the audit found. */
  readonly writes: Readonly<Record<WriteKind, KindFigures>>;
  readonly committedWrites: number;
  /** Writes that certainly did not commit (rejected during the freeze, no connection). */
  readonly failedWrites: number;
  /** Writes in flight when their session ended: either outcome is accepted. */
  readonly unknownWrites: number;
  /** The orders the clients inserted that are on the final primary. */
  readonly writesOnFinalPrimary: number;
  readonly lostWrites: number;
  readonly duplicateWrites: number;
  /** Writes that certainly did not commit whose effect is there anyway. */
  readonly phantomWrites: number;
  /** The first few lost ids. */
  readonly lost: readonly string[];
  /** The first few duplicated ids. */
  readonly duplicated: readonly string[];
  /** The first few phantom ids. */
  readonly phantom: readonly string[];
  /** The first few findings of the audit, each a sentence. */
  readonly findings: readonly string[];
  readonly finalPrimary: 'source' | 'target';
  /** What continuous verification did: the scheduled rounds, and the checks with writes frozen. */
  readonly verification?: VerificationFigures;
  /** What the finish workflow removed from both databases at the end, and what it kept on purpose. */
  readonly finish?: FinishFigures;
}

/** A check with writes frozen: the rows it compared, and the change records since the last round it read to find them. */
export interface FrozenCheck {
  readonly keysVerified: number;
  readonly changes: { readonly source: number; readonly target: number };
}

export interface VerificationFigures {
  /** Scheduled rounds that verified something (the schedule ran every `intervalMs`). */
  readonly rounds: number;
  readonly intervalMs: number;
  readonly keysVerifiedByRounds: number;
  readonly cutover?: FrozenCheck;
  readonly rollback?: FrozenCheck;
}

/** The targets a rehearsal is held to: DESIGN.md, with the time target of issue 13 (the default run under 60 s, set for the default size). */
export const TARGETS = {
  totalMs: 60_000,
  /** The time target applies up to this many rows; larger runs are measured, not judged. */
  totalMsUpToRows: 1_000_000,
  writeUnavailableMs: 2_000,
  lostWrites: 0,
  duplicateWrites: 0,
  phantomWrites: 0,
} as const;

/** One target and whether the run met it. */
export interface TargetResult {
  readonly name: 'totalMs' | 'writeUnavailableMs' | 'lostWrites' | 'duplicateWrites' | 'phantomWrites';
  readonly actual: number;
  /** Met when `actual` is below this (times) or at most this (counts). */
  readonly limit: number;
  readonly met: boolean;
  /** How a miss reads in the last line of the report. */
  readonly missed: string;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en');
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The targets that apply to this run, each judged. The time target is left out above the default size. */
export function checkTargets(r: RehearsalReport): TargetResult[] {
  const results: TargetResult[] = [];
  if (r.rows <= TARGETS.totalMsUpToRows) {
    results.push({
      name: 'totalMs',
      actual: r.totalMs,
      limit: TARGETS.totalMs,
      met: r.totalMs < TARGETS.totalMs,
      missed: `whole run ${seconds(r.totalMs)} (target < ${seconds(TARGETS.totalMs)})`,
    });
  }
  results.push(
    {
      name: 'writeUnavailableMs',
      actual: r.writeUnavailableMs,
      limit: TARGETS.writeUnavailableMs,
      met: r.writeUnavailableMs < TARGETS.writeUnavailableMs,
      missed: `write-unavailable ${fmt(r.writeUnavailableMs)} ms (target < ${fmt(TARGETS.writeUnavailableMs)} ms)`,
    },
    {
      name: 'lostWrites',
      actual: r.lostWrites,
      limit: TARGETS.lostWrites,
      met: r.lostWrites <= TARGETS.lostWrites,
      missed: `${fmt(r.lostWrites)} lost write(s) (target 0)`,
    },
    {
      name: 'duplicateWrites',
      actual: r.duplicateWrites,
      limit: TARGETS.duplicateWrites,
      met: r.duplicateWrites <= TARGETS.duplicateWrites,
      missed: `${fmt(r.duplicateWrites)} duplicated write(s) (target 0)`,
    },
    {
      name: 'phantomWrites',
      actual: r.phantomWrites,
      limit: TARGETS.phantomWrites,
      met: r.phantomWrites <= TARGETS.phantomWrites,
      missed: `${fmt(r.phantomWrites)} phantom write(s) (target 0)`,
    },
  );
  return results;
}

/** Passed: the run completed and met every target that applies. */
export function passed(r: RehearsalReport): boolean {
  return r.outcome === 'completed' && checkTargets(r).every((t) => t.met);
}

/** The human form: phases, comparison, writes, then one PASSED/FAILED line naming what was missed. */
export function renderReport(r: RehearsalReport): string {
  const out: string[] = [];
  out.push(`Rehearsal ${r.outcome}: ${fmt(r.rows)} rows, ${r.rollback ? 'with rollback' : 'without rollback'}, ${seconds(r.totalMs)}, final primary: ${r.finalPrimary}`);
  if (r.error) out.push(`Error: ${r.error}`);

  out.push('', ...renderPhases(r));

  out.push('', `Comparison: ${fmt(r.rowsCompared)} rows compared, ${fmt(r.compareRowsPerSecond)} rows/s`);
  if (r.verification) out.push(...renderVerification(r.verification));
  if (r.finish) {
    out.push(
      '',
      `Finish: replication stopped; removed from both databases: ${r.finish.removed.length} object(s), nothing of the migration left` +
        (r.finish.kept.length > 0 ? `; kept on purpose: ${r.finish.kept.join('; ')}` : ''),
    );
  }

  out.push('', ...renderWrites(r), '', ...renderWindows(r));
  if (r.findings.length > 0) {
    const more = r.lostWrites + r.duplicateWrites + r.phantomWrites - r.findings.length;
    out.push('', 'Findings:', ...r.findings.map((f) => `  ${f}`), ...(more > 0 ? [`  ... and ${fmt(more)} more`] : []));
  }

  out.push('', resultLine(r));
  return `${out.join('\n')}\n`;
}

function renderPhases(r: RehearsalReport): string[] {
  const rows: Array<[string, number]> = r.phases.map((p) => [p.name, p.ms]);
  // Server start, loading and the final audit take time too; the table should add up to the total.
  const other = r.totalMs - r.phases.reduce((a, p) => a + p.ms, 0);
  if (other >= 1) rows.push(['(outside phases)', other]);
  rows.push(['total', r.totalMs]);
  const share = (ms: number) => (r.totalMs > 0 ? `${Math.round((ms / r.totalMs) * 100)}%` : '-');
  const nameWidth = Math.max('Phase'.length, ...rows.map(([n]) => n.length));
  const timeWidth = Math.max('time'.length, ...rows.map(([, ms]) => seconds(ms).length));
  const lines = [`  ${'Phase'.padEnd(nameWidth)}  ${'time'.padStart(timeWidth)}  share`];
  for (const [name, ms] of rows) lines.push(`  ${name.padEnd(nameWidth)}  ${seconds(ms).padStart(timeWidth)}  ${share(ms).padStart(5)}`);
  return lines;
}

function renderVerification(v: VerificationFigures): string[] {
  const frozen = (what: string, c: FrozenCheck | undefined) =>
    c === undefined ? [] : [`  ${what} with writes frozen: ${fmt(c.keysVerified)} rows verified, from ${fmt(c.changes.source)} source and ${fmt(c.changes.target)} target change records since the last round`];
  return [
    `Verification: ${fmt(v.rounds)} scheduled rounds (every ${seconds(v.intervalMs)}) verified ${fmt(v.keysVerifiedByRounds)} changed rows while replicating`,
    ...frozen('cutover', v.cutover),
    ...frozen('rollback', v.rollback),
  ];
}

/** A table of the writes by kind, then what the columns mean. */
function renderWrites(r: RehearsalReport): string[] {
  const columns = ['committed', 'failed', 'unknown', 'lost', 'duplicated', 'phantom'] as const;
  const total = Object.fromEntries(columns.map((c) => [c, WRITE_KINDS.reduce((sum, k) => sum + r.writes[k][c], 0)])) as Record<(typeof columns)[number], number>;
  const rows: Array<[string, Record<(typeof columns)[number], number>]> = [...WRITE_KINDS.map((k): [string, KindFigures] => [k, r.writes[k]]), ['total', total]];
  const widths = columns.map((c) => Math.max(c.length, ...rows.map(([, f]) => fmt(f[c]).length)));
  const kindWidth = Math.max('kind'.length, ...rows.map(([k]) => k.length));
  const line = (kind: string, cells: readonly string[]) => `  ${kind.padEnd(kindWidth)}  ${cells.map((c, i) => c.padStart(widths[i]!)).join('  ')}`;
  return [
    `Writes (${fmt(r.clients)} client${r.clients === 1 ? '' : 's'}, each on its own rows):`,
    line('kind', [...columns]),
    ...rows.map(([kind, f]) => line(kind, columns.map((c) => fmt(f[c])))),
    '  failed: certainly not committed (rejected during the freeze: expected); unknown: in flight when its session ended (either outcome accepted)',
    `  inserted orders on the final primary (${r.finalPrimary}): ${fmt(r.writesOnFinalPrimary)}`,
  ];
}

/** The overall window, then each client's. */
function renderWindows(r: RehearsalReport): string[] {
  const width = Math.max(...r.perClient.map((c) => c.client.length), 0);
  const ms = (n: number) => `${fmt(n)} ms`;
  return [
    `Write-unavailable window: ${ms(r.writeUnavailableMs)} (the longest any client waited; no client could write for ${ms(r.mergedWriteUnavailableMs)})`,
    ...r.perClient.map(
      (c) =>
        `  ${c.client.padEnd(width)}  ${ms(c.writeUnavailableMs).padStart(9)}   cutover ${ms(c.cutoverMs)}${c.rollbackMs === undefined ? '' : `, rollback ${ms(c.rollbackMs)}`}` +
        `; ${fmt(c.committed)} committed, ${fmt(c.failed)} failed, ${fmt(c.unknown)} unknown`,
    ),
  ];
}

function resultLine(r: RehearsalReport): string {
  const targets = checkTargets(r);
  const missed = targets.filter((t) => !t.met).map((t) => t.missed);
  if (r.outcome === 'failed') missed.unshift(`the run failed${r.error ? `: ${r.error}` : ''}`);
  const timeNote = r.rows > TARGETS.totalMsUpToRows ? `; time target not applied above ${fmt(TARGETS.totalMsUpToRows)} rows` : '';
  if (missed.length > 0) return `FAILED: ${missed.join('; ')}${timeNote}`;
  const met = [
    ...(r.rows <= TARGETS.totalMsUpToRows ? [`whole run ${seconds(r.totalMs)} < ${seconds(TARGETS.totalMs)}`] : []),
    `write-unavailable ${fmt(r.writeUnavailableMs)} ms < ${fmt(TARGETS.writeUnavailableMs)} ms`,
    '0 lost',
    '0 duplicated',
    '0 phantom',
  ];
  return `PASSED: ${met.join(', ')}${timeNote}`;
}

/** The same report as one JSON document, with each target judged, for CI and for comparing runs. */
export function reportJson(r: RehearsalReport): RehearsalReport & { readonly passed: boolean; readonly targets: TargetResult[] } {
  return {
    outcome: r.outcome,
    ...(r.error === undefined ? {} : { error: r.error }),
    rows: r.rows,
    rollback: r.rollback,
    totalMs: r.totalMs,
    phases: r.phases.map((p) => ({ name: p.name, ms: p.ms })),
    rowsCompared: r.rowsCompared,
    compareRowsPerSecond: r.compareRowsPerSecond,
    clients: r.clients,
    writeUnavailableMs: r.writeUnavailableMs,
    mergedWriteUnavailableMs: r.mergedWriteUnavailableMs,
    perClient: r.perClient.map((c) => ({ ...c })),
    writes: Object.fromEntries(WRITE_KINDS.map((k) => [k, { ...r.writes[k] }])) as Record<WriteKind, KindFigures>,
    committedWrites: r.committedWrites,
    failedWrites: r.failedWrites,
    unknownWrites: r.unknownWrites,
    writesOnFinalPrimary: r.writesOnFinalPrimary,
    lostWrites: r.lostWrites,
    duplicateWrites: r.duplicateWrites,
    phantomWrites: r.phantomWrites,
    lost: [...r.lost],
    duplicated: [...r.duplicated],
    phantom: [...r.phantom],
    findings: [...r.findings],
    finalPrimary: r.finalPrimary,
    ...(r.verification ? { verification: r.verification } : {}),
    ...(r.finish ? { finish: { removed: [...r.finish.removed], kept: [...r.finish.kept] } } : {}),
    passed: passed(r),
    targets: checkTargets(r),
  };
}

/** 1 when a write was lost, duplicated or phantom, or the run failed: the correctness guarantees. Missed time targets do not fail the exit code. */
export function exitCodeOf(r: RehearsalReport): 0 | 1 {
  return r.outcome === 'failed' || r.lostWrites > 0 || r.duplicateWrites > 0 || r.phantomWrites > 0 ? 1 : 0;
}

/**
 * The longest time between two consecutive committed writes, in whole ms. With `from`/`to`, only
 * gaps that overlap that window (the freeze) count. When no write committed before `from` or after
 * `to`, the window's edge stands in for it, so writes that never came back still show as a gap (a
 * lower bound) rather than as none.
 */
export function longestGapMs(attempts: ReadonlyArray<{ readonly committed: boolean; readonly at: number }>, from?: number, to?: number): number {
  // Several writers may append out of order.
  const times = attempts
    .filter((a) => a.committed)
    .map((a) => a.at)
    .sort((a, b) => a - b);
  if (from !== undefined && !(times.length > 0 && times[0]! <= from)) times.unshift(from);
  if (to !== undefined && !(times.length > 0 && times.at(-1)! >= to)) times.push(to);
  const lo = from ?? Number.NEGATIVE_INFINITY;
  const hi = to ?? Number.POSITIVE_INFINITY;
  let longest = 0;
  for (let i = 1; i < times.length; i++) {
    const start = times[i - 1]!;
    const end = times[i]!;
    if (end >= lo && start <= hi) longest = Math.max(longest, end - start);
  }
  return Math.round(longest);
}

/** How many of the first lost, duplicated and phantom ids (and findings) the report lists. */
export const SAMPLE_IDS = 10;

type WriteFigures = Pick<
  RehearsalReport,
  | 'writes'
  | 'committedWrites'
  | 'failedWrites'
  | 'unknownWrites'
  | 'writesOnFinalPrimary'
  | 'lostWrites'
  | 'duplicateWrites'
  | 'phantomWrites'
  | 'lost'
  | 'duplicated'
  | 'phantom'
  | 'findings'
>;

/**
 * The write figures of the report: every client's attempts (each list in its client's order)
 * audited against what the final primary holds (auditShopWrites).
 */
export function writeFigures(attempts: ReadonlyArray<AttemptOf<ShopWrite>>, finalPrimary: ShopState, sampleSize = SAMPLE_IDS): WriteFigures {
  const { byKind, findings } = auditShopWrites(attempts, finalPrimary);
  const ids = (problem: Finding['problem']) => findings.filter((f) => f.problem === problem).map((f) => f.id);
  const sum = (field: keyof KindFigures) => WRITE_KINDS.reduce((n, k) => n + byKind[k][field], 0);
  return {
    writes: byKind,
    committedWrites: sum('committed'),
    failedWrites: sum('failed'),
    unknownWrites: sum('unknown'),
    writesOnFinalPrimary: finalPrimary.orders.length,
    lostWrites: sum('lost'),
    duplicateWrites: sum('duplicated'),
    phantomWrites: sum('phantom'),
    lost: ids('lost').slice(0, sampleSize),
    duplicated: ids('duplicated').slice(0, sampleSize),
    phantom: ids('phantom').slice(0, sampleSize),
    findings: findings.slice(0, sampleSize).map((f) => `${f.problem} ${f.id}: ${f.explanation}`),
  };
}

/** A stretch of the run in which writes were frozen (a workflow's start to its end). */
export interface FreezeSpan {
  readonly from: number;
  readonly to: number;
}

/**
 * Each client's windows and the overall ones: per client, the longest gap between two of its
 * committed writes that overlaps the cutover (and the rollback); overall, the worst client's
 * (`writeUnavailableMs`) and the longest gap of all clients' writes merged, the time nobody could
 * write (`mergedWriteUnavailableMs`). A gap that began before a workflow ended counts whole, however
 * late the client's next write came; the attempts must therefore run on until every client has
 * committed again after the last span, or the span's end stands in for that write (a lower bound).
 */
export function windows(
  clients: ReadonlyArray<{ readonly prefix: string; readonly attempts: ReadonlyArray<AttemptOf<unknown>> }>,
  cutover: FreezeSpan,
  rollback?: FreezeSpan,
): Pick<RehearsalReport, 'writeUnavailableMs' | 'mergedWriteUnavailableMs' | 'perClient'> {
  const around = (attempts: ReadonlyArray<{ committed: boolean; at: number }>, span: FreezeSpan) => longestGapMs(attempts, span.from, span.to);
  const worst = (attempts: ReadonlyArray<{ committed: boolean; at: number }>) => Math.max(around(attempts, cutover), rollback ? around(attempts, rollback) : 0);
  const perClient = clients.map((c): ClientWindow => {
    const cutoverMs = around(c.attempts, cutover);
    const rollbackMs = rollback ? around(c.attempts, rollback) : undefined;
    const count = (outcome: string) => c.attempts.filter((a) => a.outcome === outcome).length;
    return {
      client: c.prefix,
      writeUnavailableMs: Math.max(cutoverMs, rollbackMs ?? 0),
      cutoverMs,
      ...(rollbackMs === undefined ? {} : { rollbackMs }),
      committed: count('committed'),
      failed: count('failed'),
      unknown: count('unknown'),
    };
  });
  return {
    writeUnavailableMs: Math.max(0, ...perClient.map((c) => c.writeUnavailableMs)),
    mergedWriteUnavailableMs: worst(clients.flatMap((c) => c.attempts)),
    perClient,
  };
}
