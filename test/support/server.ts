import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { startApp, type RunningApp } from '../../src/app';
import { loadConfig, type Config } from '../../src/shared/config';
import { createLogger } from '../../src/shared/logger';
import { withDatabase } from './global-setup';
import { createDataSource } from '../../src/shared/database/data-source';
import type { DataSource } from 'typeorm';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh database cloned from the migrated template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.GONGZHI_TEST_ADMIN_URL!;
  const name = `gz_test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${process.env.GONGZHI_TEST_TEMPLATE}`);
  await admin.end();
  return {
    url: withDatabase(adminUrl, name),
    async drop() {
      const client = new Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** A fresh database with a TypeORM DataSource on it and no server: for tests of the data layer alone. */
export async function openTestDataSource(poolSize = 2): Promise<{ database: TestDatabase; db: DataSource; close(): Promise<void> }> {
  const database = await createTestDatabase();
  const db = createDataSource(database.url, createLogger('silent'), poolSize);
  await db.initialize();
  return {
    database,
    db,
    async close() {
      await db.destroy();
      await database.drop();
    },
  };
}

export interface TestServer extends RunningApp {
  httpUrl: string;
  wsUrl: string;
}

/**
 * `TEST_COMPILED_EXECUTION=false npm test` runs every test server with COMPILED_EXECUTION (graphql-jit, the
 * default) off, so the whole suite, not only test/compiled-execution.test.ts, holds graphql-js's path to the same
 * answers. A test that sets COMPILED_EXECUTION itself keeps its own value.
 */
function compiledExecution(): Record<string, string> {
  const wanted = process.env.TEST_COMPILED_EXECUTION;
  return wanted ? { COMPILED_EXECUTION: wanted } : {};
}

/** A real server on a free port, over HTTP and WebSocket, against `databaseUrl`. */
export async function startTestServer(databaseUrl: string, overrides: Partial<Config> & { env?: Record<string, string> } = {}): Promise<TestServer> {
  const { env, ...rest } = overrides;
  const config: Config = {
    ...loadConfig({ NODE_ENV: 'test', JWT_SECRET: TEST_JWT_SECRET, DATABASE_URL: databaseUrl, EVENT_POLL_MS: '200', DEMO_DATA: 'false', ...compiledExecution(), ...env }),
    port: 0,
    host: '127.0.0.1',
    ...rest,
  };
  const app = await startApp(config, createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'));
  return { ...app, httpUrl: `http://127.0.0.1:${app.port}/graphql`, wsUrl: `ws://127.0.0.1:${app.port}/graphql` };
}
