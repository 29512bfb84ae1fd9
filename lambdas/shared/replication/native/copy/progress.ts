import { displayName } from '../../../pg/identifiers';
import type { CopyUnit } from './units';

/**
 * Progress of a parallel copy, for a caller to publish and checkpoint: rows per unit and per
 * table, and units done of the total. Rows of a unit being copied are counted as they stream
 * (each row of COPY's text format ends in a newline, and newlines inside values are escaped);
 * a finished unit's count is the one the target reported for its COPY.
 */
export interface UnitProgress {
  /** `schema.table` */
  readonly table: string;
  readonly part: number;
  readonly parts: number;
  readonly state: 'waiting' | 'copying' | 'done';
  readonly rows: number;
}

export interface TableProgress {
  readonly table: string;
  readonly rows: number;
  readonly units: number;
  readonly unitsDone: number;
}

export interface CopyProgress {
  readonly unitsTotal: number;
  readonly unitsDone: number;
  readonly rows: number;
  /** In the order the tables were given. */
  readonly tables: readonly TableProgress[];
  /** In the order they are copied (largest first). */
  readonly units: readonly UnitProgress[];
}

type UnitState = { -readonly [K in keyof UnitProgress]: UnitProgress[K] };

/**
 * Keeps the counts and reports them: once when the plan is made, at most every `intervalMs`
 * while copying (so thousands of small tables do not make thousands of reports), and at the end.
 * A report that throws is not thrown into the stream that counted the rows (it would crash the
 * process): it is kept in `failure`, and the copier stops with it after the unit.
 */
export class ProgressTracker {
  private readonly units: UnitState[];
  private readonly tableOrder: string[];
  private lastReport = 0;
  failure: unknown;

  constructor(
    plan: readonly CopyUnit[],
    tables: readonly string[],
    private readonly report: ((progress: CopyProgress) => void) | undefined,
    private readonly intervalMs: number,
  ) {
    this.units = plan.map((u) => ({ table: displayName(u.table), part: u.part, parts: u.parts, state: 'waiting', rows: 0 }));
    this.tableOrder = [...tables];
    this.emit(true);
  }

  started(index: number): void {
    this.units[index]!.state = 'copying';
  }

  rows(index: number, rows: number): void {
    this.units[index]!.rows = rows;
    this.emit(false);
  }

  done(index: number, rows: number): void {
    Object.assign(this.units[index]!, { state: 'done', rows });
    this.emit(false);
  }

  /** The final report; returns it too. */
  finish(): CopyProgress {
    return this.emit(true)!;
  }

  snapshot(): CopyProgress {
    const tables = new Map(this.tableOrder.map((t) => [t, { table: t, rows: 0, units: 0, unitsDone: 0 }]));
    for (const unit of this.units) {
      const table = tables.get(unit.table)!;
      table.rows += unit.rows;
      table.units += 1;
      if (unit.state === 'done') table.unitsDone += 1;
    }
    const totals = [...tables.values()];
    return {
      unitsTotal: this.units.length,
      unitsDone: totals.reduce((n, t) => n + t.unitsDone, 0),
      rows: totals.reduce((n, t) => n + t.rows, 0),
      tables: totals,
      units: this.units.map((u) => ({ ...u })),
    };
  }

  private emit(force: boolean): CopyProgress | undefined {
    const now = Date.now();
    if (!force && (this.report === undefined || now - this.lastReport < this.intervalMs)) return undefined;
    this.lastReport = now;
    const progress = this.snapshot();
    try {
      this.report?.(progress);
    } catch (error) {
      this.failure ??= error;
    }
    return progress;
  }
}
