export { diffSchemas, type DiffSchemasOptions } from './diff';
export { SCHEMA_DIFFERENCE_KINDS, type SchemaDifference, type SchemaDifferenceKind, type Severity } from './kinds';
export { readSchemaSnapshot, type ReadSchemaOptions } from './read-snapshot';
export * from './snapshot';
