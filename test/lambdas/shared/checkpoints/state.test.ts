import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ForbiddenTransitionError, MigrationNotFoundError, StaleVersionError } from '../../../../lambdas/shared/errors';
import {
  ALLOWED_TRANSITIONS,
  HISTORY_LIMIT,
  PHASES,
  type CheckpointStore,
  type MigrationState,
  type Phase,
} from '../../../../lambdas/shared/checkpoints';
import { useDynalite } from '../../../helpers/dynalite';

const db = useDynalite();
let store: CheckpointStore;

beforeAll(async () => {
  store = await db.newStore();
});

/** The shortest way from `new` to each phase, found from the transition table itself. */
function pathFromNew(target: Phase): Phase[] {
  const previous = new Map<Phase, Phase>();
  const queue: Phase[] = ['new'];
  while (queue.length > 0) {
    const phase = queue.shift() as Phase;
    for (const next of ALLOWED_TRANSITIONS[phase]) {
      if (next === 'new' || previous.has(next)) continue;
      previous.set(next, phase);
      queue.push(next);
    }
  }
  const path: Phase[] = [];
  for (let p = target; p !== 'new'; p = previous.get(p) as Phase) path.unshift(p);
  return path;
}

async function migrationIn(phase: Phase): Promise<{ id: string; state: MigrationState }> {
  const id = `m-${randomUUID()}`;
  let state = await store.ensureState(id);
  for (const to of pathFromNew(phase)) {
    state = await store.transition(id, { to, expectedVersion: state.version, reason: `test setup: to ${to}` });
  }
  return { id, state };
}

const pairs = PHASES.flatMap((from) => PHASES.map((to) => ({ from, to })));
const allowed = pairs.filter(({ from, to }) => ALLOWED_TRANSITIONS[from].includes(to));
const forbidden = pairs.filter(({ from, to }) => !ALLOWED_TRANSITIONS[from].includes(to));

describe('migration state', () => {
  it('is created in phase new at version 1, and ensureState leaves an existing state alone', async () => {
    // Prepare
    const id = `m-${randomUUID()}`;
    const created = await store.ensureState(id);
    const moved = await store.transition(id, { to: 'replicating', expectedVersion: 1, reason: 'start' });

    // Act
    const ensuredAgain = await store.ensureState(id);

    // Assess
    expect(created).toMatchObject({ migrationId: id, phase: 'new', version: 1, history: [] });
    expect(ensuredAgain).toEqual(moved);
    expect(ensuredAgain).toMatchObject({ phase: 'replicating', version: 2 });
  });

  it('reads as undefined when the migration has never been created', async () => {
    // Act
    const state = await store.getState(`m-${randomUUID()}`);

    // Assess
    expect(state).toBeUndefined();
  });

  it('refuses to transition a migration that does not exist', async () => {
    // Act
    const attempt = store.transition(`m-${randomUUID()}`, { to: 'replicating', expectedVersion: 1, reason: 'x' });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(MigrationNotFoundError);
  });

  it('reaches every phase from new through allowed transitions only', () => {
    // Assess: the table has no unreachable phase, so the matrix below covers every row
    for (const phase of PHASES.filter((p) => p !== 'new')) expect(pathFromNew(phase).at(-1)).toBe(phase);
  });

  it.each(allowed)('allows $from -> $to, bumping the version and recording the history', async ({ from, to }) => {
    // Prepare
    const { id, state } = await migrationIn(from);

    // Act
    const after = await store.transition(id, { to, expectedVersion: state.version, reason: `test ${from} -> ${to}` });

    // Assess
    expect(after).toMatchObject({ phase: to, version: state.version + 1, reason: `test ${from} -> ${to}` });
    expect(after.history.at(-1)).toMatchObject({ from, to, version: state.version + 1 });
    expect(await store.getState(id)).toEqual(after);
  });

  it.each(forbidden)('forbids $from -> $to and leaves the state unchanged', async ({ from, to }) => {
    // Prepare
    const { id, state } = await migrationIn(from);

    // Act
    const attempt = store.transition(id, { to, expectedVersion: state.version, reason: 'should not happen' });

    // Assess
    const error = await attempt.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ForbiddenTransitionError);
    expect(error).toMatchObject({ name: 'ForbiddenTransitionError', from, to, allowed: ALLOWED_TRANSITIONS[from] });
    expect(await store.getState(id)).toEqual(state);
  });

  it('names the phases and the allowed targets in the forbidden-transition message', async () => {
    // Prepare
    const { id } = await migrationIn('new');

    // Act
    const attempt = store.transition(id, { to: 'cut-over', expectedVersion: 1, reason: 'skip ahead' });

    // Assess
    await expect(attempt).rejects.toThrow(
      `Migration "${id}" cannot go from phase "new" to "cut-over". Allowed from "new": "replicating", "aborted".`,
    );
  });

  it('rejects a write based on a stale version with StaleVersionError and writes nothing', async () => {
    // Prepare
    const { id, state } = await migrationIn('replicating');
    const current = await store.transition(id, { to: 'ready', expectedVersion: state.version, reason: 'caught up' });

    // Act
    const attempt = store.transition(id, { to: 'aborted', expectedVersion: state.version, reason: 'stale decision' });

    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'StaleVersionError',
      expectedVersion: state.version,
      actualVersion: current.version,
      actualPhase: 'ready',
    });
    await expect(attempt).rejects.toBeInstanceOf(StaleVersionError);
    expect(await store.getState(id)).toEqual(current);
  });

  it('lets exactly one of two writers with the same expected version win', async () => {
    // Prepare
    const { id, state } = await migrationIn('ready');

    // Act
    const results = await Promise.allSettled([
      store.transition(id, { to: 'cutting-over', expectedVersion: state.version, reason: 'operator A' }),
      store.transition(id, { to: 'aborted', expectedVersion: state.version, reason: 'operator B' }),
    ]);

    // Assess
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const [rejected] = results.filter((r) => r.status === 'rejected');
    expect(rejected?.reason).toBeInstanceOf(StaleVersionError);
    expect((await store.getState(id))?.version).toBe(state.version + 1);
  });

  it(`keeps only the last ${HISTORY_LIMIT} transitions in the history`, async () => {
    // Prepare
    const { id } = await migrationIn('ready');
    let state = (await store.getState(id)) as MigrationState;

    // Act
    for (let i = 0; i < HISTORY_LIMIT + 5; i++) {
      const to: Phase = state.phase === 'ready' ? 'replicating' : 'ready';
      state = await store.transition(id, { to, expectedVersion: state.version, reason: `lag flap ${i}` });
    }

    // Assess
    expect(state.history).toHaveLength(HISTORY_LIMIT);
    expect(state.history.at(-1)).toMatchObject({ reason: `lag flap ${HISTORY_LIMIT + 4}`, version: state.version });
    expect(state.history[0]?.version).toBe(state.version - HISTORY_LIMIT + 1);
  });
});
