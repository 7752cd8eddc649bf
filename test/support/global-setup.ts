import 'reflect-metadata';
import { createHash } from 'node:crypto';
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
    // Two jest workers each run whole servers (pools for requests, subscriptions, webhooks, the listener) and
    // second servers beside them: PostgreSQL's default 100 connections ran out now and then ("too many clients").
    const embedded = await startEmbeddedPostgres(path.join(dir, 'data'), { persistent: false, postgresFlags: ['-c', 'max_connections=300'] });
    (globalThis as Record<string, unknown>).__GONGZHI_EMBEDDED__ = { ...embedded, dir };
    adminUrl = embedded.url;
    console.log(`\n[test] DATABASE_URL not set: using embedded PostgreSQL`);
  } else {
    console.log(`\n[test] using DATABASE_URL`);
  }
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  // Mutation runs start jest once per mutant: they keep one template per set of migrations instead of
  // migrating a new one every time (jest.flows.config.js asks for it).
  const keep = process.env.GONGZHI_TEST_KEEP_TEMPLATE === '1';
  const template = keep ? `gz_tpl_keep_${migrationsFingerprint()}` : `gz_tpl_${process.pid}`;
  try {
    if (keep) {
      await admin.query('SELECT pg_advisory_lock(hashtext($1))', [template]);
      const [{ exists }] = (await admin.query('SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists', [template])).rows;
      if (!exists) await createTemplate(admin, adminUrl, template);
    } else {
      await createTemplate(admin, adminUrl, template);
    }
  } finally {
    await admin.end();
  }

  process.env.GONGZHI_TEST_ADMIN_URL = adminUrl;
  process.env.GONGZHI_TEST_TEMPLATE = template;
}

async function createTemplate(admin: Client, adminUrl: string, template: string): Promise<void> {
  await admin.query(`DROP DATABASE IF EXISTS ${template}`);
  await admin.query(`CREATE DATABASE ${template}`);
  const db = createDataSource(withDatabase(adminUrl, template), createLogger('silent'), 1);
  try {
    await db.initialize();
    await migrate(db);
  } catch (error) {
    if (db.isInitialized) await db.destroy();
    // A half-migrated template must not be kept for the next run.
    await admin.query(`DROP DATABASE IF EXISTS ${template}`);
    throw error;
  }
  await db.destroy();
}

/** Changes whenever a migration is added or edited, so a kept template never lags the code. */
function migrationsFingerprint(): string {
  const dir = path.join(__dirname, '../../migrations');
  const hash = createHash('sha256');
  for (const name of fs.readdirSync(dir).sort()) hash.update(name).update(fs.readFileSync(path.join(dir, name)));
  return hash.digest('hex').slice(0, 12);
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
