import type { Pool, PoolClient } from 'pg';
import { DataSource, QueryFailedError, type EntityManager, type QueryRunner } from 'typeorm';

/**
 * Runs a statement that PostgreSQL keeps prepared on the connection under
 * `name`: parsed and analysed once per connection and, after its first few
 * executions, run on a generic plan when that costs no more than planning
 * each time. For the hot statements that are cheap to run and dear to parse
 * and plan: a check-in batch spent a quarter of PostgreSQL's time parsing and
 * planning, and every request reads its viewer. One name, one text; only the
 * values vary. Counted and logged like every other statement.
 *
 * On an entity manager of a transaction it runs on the transaction's
 * connection; on the data source, on whichever pooled connection is free (a
 * connection prepares each name once). An entity manager with no connection
 * of its own has nothing to keep the statement on: it runs unprepared.
 */
export async function queryPrepared<T = Record<string, unknown>>(on: EntityManager | DataSource, name: string, text: string, values: unknown[]): Promise<T[]> {
  const db = on instanceof DataSource ? on : on.connection;
  const runner: QueryRunner | undefined = on instanceof DataSource ? undefined : on.queryRunner;
  if (!(on instanceof DataSource) && !runner) return on.query(text, values);
  const client: Pool | PoolClient = runner ? await (runner as unknown as { connect(): Promise<PoolClient> }).connect() : (db.driver as unknown as { master: Pool }).master;
  db.logger.logQuery(text, values, runner);
  try {
    const result = await client.query({ name, text, values });
    return result.rows as T[];
  } catch (error) {
    db.logger.logQueryError(error as Error, text, values, runner);
    throw new QueryFailedError(text, values, error as Error);
  }
}
