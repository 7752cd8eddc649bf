import { createDataSource, migrate } from '../src/shared/database/data-source';
import { createLogger } from '../src/shared/logger';
import { allMigrations } from '../migrations';
import { Client } from 'pg';
import { withDatabase } from './support/global-setup';

describe('migrations', () => {
  test('given an empty database, when migrating twice, then the first run applies all and the second applies none', async () => {
    const adminUrl = process.env.GONGZHI_TEST_ADMIN_URL!;
    const name = `gz_empty_${process.pid}_${Date.now()}`;
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    try {
      const db = createDataSource(withDatabase(adminUrl, name), createLogger('silent'), 1);
      await db.initialize();
      const first = await migrate(db);
      const second = await migrate(db);
      const tables = await db.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'`);
      await db.destroy();
      expect(first).toHaveLength(allMigrations.length);
      expect(second).toEqual([]);
      expect(tables[0].n).toBeGreaterThan(10);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });
});
