import 'reflect-metadata';
import { createDataSource } from './src/shared/database/data-source';
import { createLogger } from './src/shared/logger';

/**
 * The DataSource the TypeORM CLI uses (`npm run migrate`,
 * `npx typeorm-ts-node-commonjs migration:generate -d ormconfig.ts`).
 * It needs DATABASE_URL; the server itself also handles the embedded default.
 */
const url = process.env.DATABASE_URL;
if (!url) {
  throw new Error('DATABASE_URL is required for the TypeORM CLI (npm start runs migrations on the embedded database by itself)');
}

export default createDataSource(url, createLogger(process.env.LOG_LEVEL || 'info'), 2);
