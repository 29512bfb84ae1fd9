import { usePostgresPair } from '../helpers/database-pair';
import { useDynalite } from '../helpers/dynalite';

/**
 * What every workflow test file runs on: two PostgreSQL servers, a DynamoDB twin, and migration
 * ids unique to the test and the run (`<prefix>-<n>-<time>`), so a test never meets another's
 * checkpoints, slots or publications.
 */
export function useWorkflowParts(prefix: string) {
  const servers = usePostgresPair();
  const dynamo = useDynalite();
  let counter = 0;
  return { servers, dynamo, nextId: () => `${prefix}-${++counter}-${Date.now() % 100000}` };
}
