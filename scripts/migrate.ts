import 'reflect-metadata';
import path from 'node:path';
import { loadConfig } from '../src/shared/config';
import { createLogger } from '../src/shared/logger';
import { createDataSource, migrate } from '../src/shared/database/data-source';
import { startEmbeddedPostgres } from '../src/shared/database/embedded';

/** `npm run migrate`: applies pending migrations to DATABASE_URL, or to the embedded database. Safe to run again. */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel === 'silent' ? 'silent' : 'warn');
  const embedded = config.databaseUrl ? null : await startEmbeddedPostgres(path.join(config.dataDir, 'postgres'), { persistent: true });
  const db = createDataSource(config.databaseUrl ?? embedded!.url, log, 2);
  try {
    await db.initialize();
    const applied = await migrate(db);
    console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'No pending migrations.');
  } finally {
    if (db.isInitialized) await db.destroy();
    await embedded?.stop();
  }
}

main().catch((err) => {
  console.error('Migration failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
