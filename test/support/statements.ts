import type { DataSource } from 'typeorm';

/**
 * Calls `seen` with the text of every statement `db` sends until the returned
 * function is called: for tests that hold a path to the statements it needs,
 * or act at the moment a given statement goes out. Hooks the ORM's logger,
 * which sees every statement of the data source's pool.
 */
export function onStatement(db: DataSource, seen: (sql: string) => void): () => void {
  const logger = db.logger;
  const logQuery = logger.logQuery;
  logger.logQuery = function (query, ...rest) {
    seen(query);
    return logQuery.call(this, query, ...rest);
  };
  return () => {
    logger.logQuery = logQuery;
  };
}
