import type { Database } from '../pg/connection';
import { compareData, type CompareDataOptions } from './data/compare';
import type { DataComparison } from './data/types';
import { diffSchemas, readSchemaSnapshot, type SchemaDifference } from './schema';

export interface CompareDatabasesOptions extends CompareDataOptions {
  /** @default true */
  readonly schema?: boolean;
  /** @default true */
  readonly data?: boolean;
}

/** The document `ferry compare --json` prints and the compare step stores. */
export interface ComparisonReport {
  readonly schema?: { readonly differences: readonly SchemaDifference[] };
  readonly data?: DataComparison;
  readonly durationMs: number;
}

/** Schema and data comparison of two databases, each part optional. */
export async function compareDatabases(source: Database, target: Database, options: CompareDatabasesOptions = {}): Promise<ComparisonReport> {
  const started = Date.now();
  const schemaOptions = options.selection ? { selection: options.selection } : {};
  const schema =
    options.schema === false
      ? undefined
      : {
          differences: diffSchemas(
            ...(await Promise.all([readSchemaSnapshot(source, schemaOptions), readSchemaSnapshot(target, schemaOptions)])),
          ),
        };
  const data = options.data === false ? undefined : await compareData(source, target, options);
  return { ...(schema ? { schema } : {}), ...(data ? { data } : {}), durationMs: Date.now() - started };
}

/** Different when the schema differs beyond cosmetics, or any table's rows differ. */
export function isDifferent(report: ComparisonReport): boolean {
  const schemaDiffers = (report.schema?.differences ?? []).some((d) => d.severity !== 'info');
  const dataDiffers = (report.data?.tables ?? []).some((t) => t.status === 'different');
  return schemaDiffers || dataDiffers;
}
