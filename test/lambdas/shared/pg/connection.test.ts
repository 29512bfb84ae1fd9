import { beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../../../lambdas/shared/pg/connection';
import { usePostgres } from '../../../helpers/postgres';

describe('a Ferry reader session', () => {
  const server = usePostgres();
  let db: Database;
  beforeAll(() => {
    // One connection, so that every statement below runs in the same session.
    db = new Database({ label: 'source database', config: { connectionString: server.url } }, { max: 1 });
    return () => db.close();
  });

  const show = async (name: string) => {
    const [row] = await db.query<Record<string, string>>(`show ${name}`);
    return Object.values(row!)[0];
  };

  it('runs with JIT off and without parallel workers', async () => {
    expect(await show('jit')).toBe('off');
    expect(await show('max_parallel_workers_per_gather')).toBe('0');
  });

  it('changes planner settings for one statement only, keeping the session settings after it', async () => {
    const [during] = await db.queryWithSettings<{ enable_seqscan: string }>({ enable_seqscan: 'off' }, 'show enable_seqscan');
    expect(during).toEqual({ enable_seqscan: 'off' });
    expect(await show('enable_seqscan')).toBe('on');
    expect(await show('jit')).toBe('off');
  });

  it('runs a statement with no settings of its own as it is', async () => {
    expect(await db.queryWithSettings<{ n: number }>({}, 'select $1::int as n', [7])).toEqual([{ n: 7 }]);
  });
});
