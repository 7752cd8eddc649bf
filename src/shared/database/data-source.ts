import { DataSource } from 'typeorm';
import { allEntities } from '../../modules';
import { allMigrations } from '../../../migrations';
import type { Logger } from '../logger';
import { SnakeNamingStrategy } from './naming';
import { SqlLogger } from './sql-logger';

export function createDataSource(url: string, log: Logger, poolSize = 20): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: allEntities,
    migrations: allMigrations,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    logging: true,
    logger: new SqlLogger(log),
    maxQueryExecutionTime: 1000,
    extra: { max: poolSize, application_name: 'gongzhi' },
  });
}

/** Applies pending migrations; running it again with nothing pending is a no-op. */
export async function migrate(dataSource: DataSource): Promise<string[]> {
  const applied = await dataSource.runMigrations({ transaction: 'each' });
  return applied.map((m) => m.name);
}
