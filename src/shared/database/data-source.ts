import { DataSource } from 'typeorm';
import type { Pool } from 'pg';
import { runMigrations } from 'graphile-worker';
import { allEntities } from '../../modules';
import { allMigrations } from '../../../migrations';
import type { Logger } from '../logger';
import { SnakeNamingStrategy } from './naming';
import { SqlLogger } from './sql-logger';

import { Logger as WorkerLogger } from 'graphile-worker';

const silentWorkerLogger = new WorkerLogger(() => () => {});

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
  // The webhook queue's own schema, kept by graphile-worker itself (it takes an advisory lock, so parallel starts are safe).
  await runMigrations({ pgPool: (dataSource.driver as unknown as { master: Pool }).master, logger: silentWorkerLogger });
  return applied.map((m) => m.name);
}
