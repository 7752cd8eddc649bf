import type { Logger as TypeOrmLogger } from 'typeorm';
import type { Logger } from '../logger';
import { requestStorage } from '../request-context';

/**
 * Counts statements per request (exposed as `X-SQL-Statements` outside
 * production) so tests and the benchmark can prove batching holds.
 */
export class SqlLogger implements TypeOrmLogger {
  constructor(private readonly logger: Logger) {}

  logQuery(query: string): void {
    const store = requestStorage.getStore();
    if (store) store.sqlStatements += 1;
    if (this.logger.isLevelEnabled('trace')) this.logger.trace({ sql: query }, 'sql');
  }
  logQueryError(error: string | Error, query: string): void {
    this.logger.debug({ err: error, sql: query }, 'sql failed');
  }
  logQuerySlow(time: number, query: string): void {
    this.logger.warn({ ms: time, sql: query.slice(0, 500) }, 'slow sql');
  }
  logSchemaBuild(): void {}
  logMigration(message: string): void {
    this.logger.info({ migration: message }, 'migration');
  }
  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn({ message }, 'typeorm');
  }
}
