/** What the rehearsal is doing right now; optional figures are shown only once known. */
export interface LiveState {
  readonly workflow: string;
  readonly step: string;
  readonly phase: string;
  readonly rowsCopied?: number;
  readonly rowsTotal?: number;
  /** While the full load runs: rows per second, averaged since it started (fullLoadProgress). */
  readonly copyRowsPerSecond?: number;
  /** While the full load runs: seconds left at that rate. */
  readonly copySecondsLeft?: number;
  readonly lagBytes?: number | null;
  readonly lagSeconds?: number | null;
  readonly tablesCompared?: number;
  readonly tablesTotal?: number;
  readonly rowsCompared?: number;
  readonly writesPerSecond: number;
  readonly committed: number;
  readonly failed: number;
  readonly elapsedMs: number;
}

export interface LiveViewOptions {
  /**
   * Without a terminal: at most one line per this many ms (a phase or workflow change is always shown).
   * @default 2000
   */
  readonly intervalMs?: number;
}

type Output = NodeJS.WriteStream | { write(s: string): boolean; isTTY?: boolean; columns?: number };

/** A terminal cannot show more, and redrawing faster only burns CPU the rehearsal is measuring. */
const REDRAW_MS = 100;
const MAX_LINES = 3;
const SEP = '   ';
const CLEAR_LINE = '\x1b[2K';
const UP = '\x1b[1A';

/**
 * The rehearsal's progress. On a terminal: a live area of up to three lines redrawn in place, cut to
 * the width (a wrapped line would break the count of lines to redraw). Otherwise (CI, pipes): plain
 * lines without escape codes, rate-limited, so a log stays readable.
 */
export class LiveView {
  private readonly tty: boolean;
  private readonly intervalMs: number;
  private state: LiveState | undefined;
  /** Lines of the live area on screen now; the cursor is at the end of the last one. */
  private drawn = 0;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private lastPlain: { readonly at: number; readonly workflow: string; readonly phase: string } | undefined;
  private plainPending = false;
  private stopped = false;

  constructor(
    private readonly out: Output,
    options: LiveViewOptions = {},
  ) {
    this.tty = out.isTTY === true;
    this.intervalMs = options.intervalMs ?? 2000;
  }

  update(state: LiveState): void {
    if (this.stopped) return;
    this.state = state;
    if (this.tty) this.scheduleDraw();
    else this.plain(state);
  }

  /** A permanent line above the live area (e.g. "phase replicating"). */
  log(line: string): void {
    const text = line.endsWith('\n') ? line : `${line}\n`;
    if (!this.tty || this.stopped) {
      this.out.write(text);
      return;
    }
    this.out.write(this.clear() + text + this.render());
  }

  /** Clears the live area and leaves the cursor at the start of a fresh line; without a terminal, prints the last state if it was not yet shown. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.tty) {
      if (this.drawn > 0) this.out.write(this.clear());
    } else if (this.plainPending && this.state) {
      this.out.write(`${segments(this.state).join(SEP)}\n`);
    }
  }

  private scheduleDraw(): void {
    const since = Date.now() - this.lastDraw;
    if (since >= REDRAW_MS) {
      this.draw();
    } else if (!this.timer) {
      // The last state must appear even when no further update comes.
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.draw();
      }, REDRAW_MS - since);
      this.timer.unref();
    }
  }

  private draw(): void {
    if (this.stopped || !this.state) return;
    this.out.write(this.clear() + this.render());
  }

  /** The live area's text; records how many lines it takes. */
  private render(): string {
    if (!this.state) return '';
    const lines = pack(segments(this.state), Math.max(1, (this.out.columns ?? 80) - 1));
    this.drawn = lines.length;
    this.lastDraw = Date.now();
    return lines.join('\n');
  }

  /** Erases the live area; the cursor ends at the start of its first line. */
  private clear(): string {
    if (this.drawn === 0) return '';
    const text = `\r${CLEAR_LINE}${`${UP}${CLEAR_LINE}`.repeat(this.drawn - 1)}`;
    this.drawn = 0;
    return text;
  }

  private plain(state: LiveState): void {
    const now = Date.now();
    const last = this.lastPlain;
    if (last && last.workflow === state.workflow && last.phase === state.phase && now - last.at < this.intervalMs) {
      this.plainPending = true;
      return;
    }
    this.lastPlain = { at: now, workflow: state.workflow, phase: state.phase };
    this.plainPending = false;
    this.out.write(`${segments(state).join(SEP)}\n`);
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en');

/** The figures of a state, in reading order, each a short phrase. */
function segments(s: LiveState): string[] {
  const parts = [s.step ? `${oneLine(s.workflow)} › ${oneLine(s.step)}` : oneLine(s.workflow)];
  if (s.phase) parts.push(`phase ${oneLine(s.phase)}`);
  if (s.rowsCopied !== undefined) parts.push(copyText(s.rowsCopied, s.rowsTotal, s.copyRowsPerSecond, s.copySecondsLeft));
  const lag = lagText(s.lagSeconds, s.lagBytes);
  if (lag) parts.push(`lag ${lag}`);
  if (s.tablesCompared !== undefined) {
    const rows = s.rowsCompared === undefined ? '' : ` (${fmt(s.rowsCompared)} rows)`;
    parts.push(`compared ${fmt(s.tablesCompared)}${s.tablesTotal === undefined ? '' : `/${fmt(s.tablesTotal)}`} tables${rows}`);
  } else if (s.rowsCompared !== undefined) {
    parts.push(`compared ${fmt(s.rowsCompared)} rows`);
  }
  parts.push(`writes ${fmt(s.writesPerSecond)}/s (${fmt(s.committed)} ok, ${fmt(s.failed)} failed)`);
  parts.push(clock(s.elapsedMs));
  return parts;
}

/** `copied 61% 612,400/1,000,000 rows at 12,000 rows/s, 00:33 left`: each part once known. */
function copyText(copied: number, total: number | undefined, rowsPerSecond: number | undefined, secondsLeft: number | undefined): string {
  // Rounded down, so that 100% means every row is there.
  const percent = total !== undefined && total > 0 ? `${Math.min(100, Math.floor((copied / total) * 100))}% ` : '';
  const rate = rowsPerSecond === undefined ? '' : ` at ${fmt(rowsPerSecond)} rows/s`;
  const left = secondsLeft === undefined ? '' : `, ${clock(secondsLeft * 1000)} left`;
  return `copied ${percent}${fmt(copied)}${total === undefined ? '' : `/${fmt(total)}`} rows${rate}${left}`;
}

function lagText(seconds: number | null | undefined, bytes: number | null | undefined): string | undefined {
  const hasSeconds = seconds !== null && seconds !== undefined;
  const hasBytes = bytes !== null && bytes !== undefined;
  if (hasSeconds && hasBytes) return `${seconds.toFixed(1)} s (${size(bytes)})`;
  if (hasSeconds) return `${seconds.toFixed(1)} s`;
  if (hasBytes) return size(bytes);
  return undefined;
}

/** Sizes as pg_size_pretty shows them, so they match what an operator sees in psql. */
function size(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

/** mm:ss, or h:mm:ss past an hour (also `ferry watch`'s elapsed time). */
export function clock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const two = (n: number) => String(n).padStart(2, '0');
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  return h > 0 ? `${h}:${two(m)}:${two(total % 60)}` : `${two(m)}:${two(total % 60)}`;
}

/** A control character in a name (an error text as a step, say) would break the line count. */
function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x1f\x7f]+/g, ' ');
}

/** Segments into at most three lines of `width`, filling each before starting the next; the last is cut. */
function pack(parts: readonly string[], width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const part of parts) {
    if (current === '') current = part;
    else if (length(current) + SEP.length + length(part) <= width || lines.length === MAX_LINES - 1) current += SEP + part;
    else {
      lines.push(current);
      current = part;
    }
  }
  lines.push(current);
  return lines.map((l) => truncate(l, width));
}

const length = (s: string) => [...s].length;

function truncate(s: string, width: number): string {
  const chars = [...s];
  return chars.length <= width ? s : `${chars.slice(0, width - 1).join('')}…`;
}
