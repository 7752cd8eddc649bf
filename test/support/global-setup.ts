import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { createDataSource, migrate } from '../../src/shared/database/data-source';
import { startEmbeddedPostgres } from '../../src/shared/database/embedded';
import { createLogger } from '../../src/shared/logger';

/**
 * One PostgreSQL server for the run (the embedded one unless DATABASE_URL is
 * set) and one migrated template database; each test file clones the
 * template, so files run in parallel without seeing each other's rows.
 */
export default async function globalSetup(): Promise<void> {
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gongzhi-test-pg-'));
    // As root, initdb runs as a separate postgres user, which must be able to enter the folder.
    fs.chmodSync(dir, 0o755);
    const embedded = await startEmbeddedPostgres(path.join(dir, 'data'), { persistent: false });
    (globalThis as Record<string, unknown>).__GONGZHI_EMBEDDED__ = { ...embedded, dir };
    adminUrl = embedded.url;
    console.log(`\n[test] DATABASE_URL not set: using embedded PostgreSQL`);
  } else {
    console.log(`\n[test] using DATABASE_URL`);
  }
  const template = `gz_tpl_${process.pid}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${template}`);
  await admin.query(`CREATE DATABASE ${template}`);
  await admin.end();

  const templateUrl = withDatabase(adminUrl, template);
  const db = createDataSource(templateUrl, createLogger('silent'), 1);
  await db.initialize();
  await migrate(db);
  await db.destroy();

  process.env.GONGZHI_TEST_ADMIN_URL = adminUrl;
  process.env.GONGZHI_TEST_TEMPLATE = template;
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
