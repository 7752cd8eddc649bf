import type { PoolClient } from 'pg';
import { QueryFailedError, type EntityManager } from 'typeorm';

/**
 * Runs a statement that PostgreSQL keeps prepared on the connection under
 * `name`: parsed and analysed once per connection and, after its first few
 * executions, run on a generic plan instead of being planned again. For the
 * hot statements of a write path whose parse and plan cost more than their
 * execution: a check-in batch spent a quarter of PostgreSQL's time parsing
 * and planning its two big statements. One name, one text; only the values
 * vary. Counted and logged like every other statement.
 */
export async function queryPrepared<T = Record<string, unknown>>(em: EntityManager, name: string, text: string, values: unknown[]): Promise<T[]> {
  const runner = em.queryRunner;
  // Without a runner of its own (outside a transaction) the statement has no connection to stay prepared on.
  if (!runner) return em.query(text, values);
  const client = await (runner as unknown as { connect(): Promise<PoolClient> }).connect();
  em.connection.logger.logQuery(text, values, runner);
  try {
    const result = await client.query({ name, text, values });
    return result.rows as T[];
  } catch (error) {
    em.connection.logger.logQueryError(error as Error, text, values, runner);
    throw new QueryFailedError(text, values, error as Error);
  }
}
