import type { AttemptOf, WriteOutcome } from '../application-client';
import { rowKey, WRITE_KINDS, type ShopState, type ShopWrite, type WriteKind } from './workload';

/** Counts of one kind of write: what the clients saw, and what the audit found on the final primary. */
export interface KindFigures {
  readonly committed: number;
  readonly failed: number;
  readonly unknown: number;
  /** Committed, and its effect is not there (a missing insert, an overwritten update, a deleted row back). */
  readonly lost: number;
  /** There more than once (inserts). */
  readonly duplicated: number;
  /** Certainly not committed (or never attempted), and its effect is there anyway. */
  readonly phantom: number;
}

/** One thing the audit found wrong, said in a sentence; `id` is the write it is about. */
export interface Finding {
  readonly id: string;
  readonly kind: WriteKind;
  readonly problem: 'lost' | 'duplicated' | 'phantom';
  readonly explanation: string;
}

export interface ShopAudit {
  readonly byKind: Readonly<Record<WriteKind, KindFigures>>;
  readonly findings: readonly Finding[];
}

type Attempt = AttemptOf<ShopWrite>;

/**
 * Audits every write of the clients against the final primary. The rule, per outcome (see
 * WriteOutcome for how an outcome is known):
 *
 * - insert: committed, the order is there exactly once with its one line; failed, it is not there;
 *   unknown, it is there once (with its line) or not at all. An order nobody inserted is phantom.
 * - update: each row is written by one client (ShopWorkload), so its attempts are in that
 *   client's order. The row must hold the id of its last committed update, or the id of an
 *   unknown update attempted after that one (it may have committed later); with no committed
 *   update, its loaded value (null) or any unknown update's id. Holding an earlier update's id or
 *   null after a committed update is a lost update; holding a failed update's id, or an id that
 *   no update of that row carried, is phantom.
 * - delete: committed, the row is gone (a row back is a lost delete); failed, the row is still
 *   there (gone is phantom); unknown, either.
 *
 * `attempts` must keep each client's order (all of one client's attempts in the order made, or
 * the clients' lists one after another).
 */
export function auditShopWrites(attempts: readonly Attempt[], state: ShopState): ShopAudit {
  const findings: Finding[] = [];
  auditInserts(attempts, state, findings);
  auditUpdates(attempts, state, findings);
  auditDeletes(attempts, state, findings);
  const byKind = Object.fromEntries(WRITE_KINDS.map((kind) => [kind, figures(attempts, findings, kind)])) as Record<WriteKind, KindFigures>;
  return { byKind, findings };
}

function figures(attempts: readonly Attempt[], findings: readonly Finding[], kind: WriteKind): KindFigures {
  const count = (outcome: WriteOutcome) => attempts.filter((a) => a.op.kind === kind && a.outcome === outcome).length;
  const found = (problem: Finding['problem']) => findings.filter((f) => f.kind === kind && f.problem === problem).length;
  return { committed: count('committed'), failed: count('failed'), unknown: count('unknown'), lost: found('lost'), duplicated: found('duplicated'), phantom: found('phantom') };
}

function auditInserts(attempts: readonly Attempt[], state: ShopState, findings: Finding[]): void {
  const copies = new Map<string, { orders: number; items: number }>();
  for (const o of state.orders) {
    const c = copies.get(o.id) ?? { orders: 0, items: 0 };
    copies.set(o.id, { orders: c.orders + 1, items: c.items + o.items });
  }
  const add = (id: string, problem: Finding['problem'], explanation: string) => findings.push({ id, kind: 'insert', problem, explanation });
  const inserted = new Set<string>();
  for (const a of attempts) {
    if (a.op.kind !== 'insert') continue;
    inserted.add(a.id);
    const c = copies.get(a.id) ?? { orders: 0, items: 0 };
    if (a.outcome === 'failed') {
      if (c.orders > 0) add(a.id, 'phantom', `insert ${a.id} failed (${a.error}), but its order is there`);
    } else if (c.orders > 1) add(a.id, 'duplicated', `insert ${a.id} is there ${c.orders} times`);
    else if (c.items > c.orders) add(a.id, 'duplicated', `insert ${a.id}: its order has ${c.items} lines instead of 1`);
    else if (c.orders === 1 && c.items === 0) add(a.id, 'lost', `insert ${a.id}: its order is there without its line`);
    else if (c.orders === 0 && a.outcome === 'committed') add(a.id, 'lost', `insert ${a.id} committed, but its order is not there`);
  }
  for (const id of copies.keys()) if (!inserted.has(id)) add(id, 'phantom', `order ${id} is there, but no client inserted it`);
}

function auditUpdates(attempts: readonly Attempt[], state: ShopState, findings: Finding[]): void {
  const byRow = attemptsByRow(attempts, 'update');
  const add = (id: string, problem: Finding['problem'], explanation: string) => findings.push({ id, kind: 'update', problem, explanation });
  for (const [row, tries] of byRow) {
    const value = state.lastWriteIds.get(row);
    const last = tries.findLastIndex((a) => a.outcome === 'committed');
    const lastCommitted = last >= 0 ? tries[last] : undefined;
    // The values the row may hold: what the last committed update wrote, or what an unknown one after it may have.
    const allowed = new Set<string | null>([lastCommitted ? lastCommitted.id : null, ...tries.slice(last + 1).filter((a) => a.outcome === 'unknown').map((a) => a.id)]);
    if (value === undefined) {
      const about = lastCommitted ?? tries.at(-1)!;
      add(about.id, 'lost', `row ${row} is gone (updates only change rows)`);
      continue;
    }
    if (allowed.has(value)) continue;
    const holder = tries.findIndex((a) => a.id === value);
    if (holder >= 0 && tries[holder]!.outcome === 'failed') add(tries[holder]!.id, 'phantom', `row ${row} holds ${value}, an update that failed (${tries[holder]!.error})`);
    else if (holder < 0 && value !== null) add(value, 'phantom', `row ${row} holds ${value}, which no update of that row carried`);
    // A value from after the last committed update was covered above; anything else replaced it.
    if (lastCommitted && !(holder > last)) {
      const held = value === null ? 'its loaded value' : holder >= 0 ? `${value}, an earlier update,` : value;
      add(lastCommitted.id, 'lost', `row ${row} holds ${held} instead of ${lastCommitted.id}, its last committed update`);
    }
  }
  for (const [row, value] of state.lastWriteIds) {
    if (value !== null && !byRow.has(row)) add(value, 'phantom', `row ${row} holds ${value}, but no update targeted it`);
  }
}

/** The attempts of one kind of row write, by the row they write (`rowKey`), each row's in the order made. */
function attemptsByRow(attempts: readonly Attempt[], kind: 'update' | 'delete'): Map<string, Attempt[]> {
  const byRow = new Map<string, Attempt[]>();
  for (const a of attempts) {
    if (a.op.kind !== kind) continue;
    const key = rowKey(a.op.table, a.op.key);
    byRow.set(key, (byRow.get(key) ?? []).concat(a));
  }
  return byRow;
}

function auditDeletes(attempts: readonly Attempt[], state: ShopState, findings: Finding[]): void {
  const byRow = attemptsByRow(attempts, 'delete');
  for (const [row, tries] of byRow) {
    const committed = tries.find((a) => a.outcome === 'committed');
    const there = state.present.has(row);
    if (committed && there) findings.push({ id: committed.id, kind: 'delete', problem: 'lost', explanation: `delete ${committed.id} committed, but row ${row} is back` });
    else if (!there && tries.every((a) => a.outcome === 'failed')) {
      const a = tries.at(-1)!;
      findings.push({ id: a.id, kind: 'delete', problem: 'phantom', explanation: `delete ${a.id} failed (${a.error}), but row ${row} is gone` });
    }
  }
}
