import type { CheckOutcome, Engine, PreflightCheck, Side } from '../check';
import { majorVersion, readServerVersion, type ServerVersion } from '../catalog';
import { sentences } from '../text';

/**
 * Ferry's native engine needs PostgreSQL 14 on both sides (streaming of large transactions and
 * COPY progress); the engine refuses older servers too.
 */
export const NATIVE_MIN_VERSION_NUM = 140000;

export function serverVersionResult(engine: Engine, versions: Readonly<Record<Side, ServerVersion>>): CheckOutcome {
  const { source, target } = versions;
  const found = `The source runs PostgreSQL ${source.version}, the target PostgreSQL ${target.version}.`;
  const tooOld = (['source', 'target'] as const).filter((side) => versions[side].num < NATIVE_MIN_VERSION_NUM);
  if (engine === 'native' && tooOld.length > 0) {
    return {
      severity: 'error',
      message: sentences(
        found,
        `Ferry's native replication needs PostgreSQL 14 or later on both sides; upgrade the ${tooOld.join(' and ')} or use a DMS engine.`,
      ),
      objects: tooOld,
    };
  }
  const sourceMajor = majorVersion(source.num);
  const targetMajor = majorVersion(target.num);
  if (Number(targetMajor) < Number(sourceMajor)) {
    return {
      severity: 'warning',
      message: sentences(
        found,
        `The target is an older major version (${targetMajor} < ${sourceMajor}): features, syntax and extension versions the application uses may be missing there. Prefer a target of version ${sourceMajor} or later, or test the application against ${targetMajor} first.`,
      ),
      objects: ['target'],
    };
  }
  if (targetMajor !== sourceMajor) {
    return {
      severity: 'info',
      message: sentences(found, `This migration is also a major version upgrade (${sourceMajor} to ${targetMajor}): test the application against PostgreSQL ${targetMajor} before cutover.`),
      objects: [],
    };
  }
  return { severity: 'ok', message: found, objects: [] };
}

export const serverVersion: PreflightCheck = {
  id: 'server-version',
  title: 'PostgreSQL versions of both servers (native replication needs 14 or later; a downgrade is flagged)',
  databases: ['source', 'target'],
  async run(ctx) {
    const [source, target] = await Promise.all([readServerVersion(ctx.source), readServerVersion(ctx.target)]);
    return serverVersionResult(ctx.engine, { source, target });
  },
};
