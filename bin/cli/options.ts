import type { TableSelection } from '../../lambdas/shared/compare/table-patterns';
import { UsageError } from './usage-error';

/** Parser for an option that takes a whole number, with the option named in the error. */
export const positiveInt = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${name}: expected a whole number, got '${value}'`);
  return n;
};

/** `schema.table` patterns from --tables/--exclude; a bare name means that table in any schema. */
export function tableSelection(include: string[] | undefined, exclude: string[] | undefined): TableSelection | undefined {
  const qualify = (p: string) => (p.includes('.') ? p : `*.${p}`);
  if (!include && !exclude) return undefined;
  return { include: (include ?? ['*.*']).map(qualify), exclude: (exclude ?? []).map(qualify) };
}
