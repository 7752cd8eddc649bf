import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gql } from './support/graphql';
import { createTestDatabase, startTestServer, type TestDatabase, type TestServer } from './support/server';

// The API process serves the console and the explorer; GraphQL requests still reach GraphQL.
let database: TestDatabase;
let dev: TestServer;
let production: TestServer;
let webDir: string;

beforeAll(async () => {
  webDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gongzhi-web-'));
  fs.mkdirSync(path.join(webDir, 'assets'));
  fs.writeFileSync(path.join(webDir, 'index.html'), '<!doctype html><title>console</title>');
  fs.writeFileSync(path.join(webDir, 'explorer.html'), '<!doctype html><title>explorer</title>');
  fs.writeFileSync(path.join(webDir, 'assets', 'app-abc123.js'), 'console.log(1)');
  database = await createTestDatabase();
  dev = await startTestServer(database.url, { webDir });
  production = await startTestServer(database.url, { webDir, explorer: false });
});
afterAll(async () => {
  await dev?.stop();
  await production?.stop();
  await database?.drop();
  fs.rmSync(webDir, { recursive: true, force: true });
});

const base = (s: TestServer) => s.httpUrl.replace(/\/graphql$/, '');
const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

describe('console and explorer serving', () => {
  test('given a browser, when it opens / or a console page, then it gets the console page, revalidated every time', async () => {
    for (const route of ['/', '/liaison', '/patrols', '/meetings']) {
      const response = await fetch(`${base(dev)}${route}`, { headers: html });
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(await response.text()).toContain('<title>console</title>');
    }
  });

  test('given a hashed asset, then it is served and cached for good; an unknown asset is a 404', async () => {
    const asset = await fetch(`${base(dev)}/assets/app-abc123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${base(dev)}/assets/missing.js`)).status).toBe(404);
  });

  test('given a browser in development, when it opens GET /graphql, then it gets the bundled explorer, and GraphQL requests to the same URL still work', async () => {
    const page = await fetch(dev.httpUrl, { headers: html });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>explorer</title>');
    const viaGet = await fetch(`${dev.httpUrl}?query=${encodeURIComponent('{ viewer { signedIn } }')}`, { headers: { 'apollo-require-preflight': 'true', ...html } });
    expect(await viaGet.json()).toEqual({ data: { viewer: { signedIn: false } } });
    const viaPost = await gql(dev.httpUrl, '{ viewer { signedIn } }');
    expect(viaPost.body.data).toEqual({ viewer: { signedIn: false } });
  });

  test('given EXPLORER=false, when a browser opens GET /graphql, then it gets a plain 404 saying the explorer is off', async () => {
    const page = await fetch(production.httpUrl, { headers: html });
    expect(page.status).toBe(404);
    expect(await page.text()).toContain('EXPLORER=false');
  });

  test('given no built console, then the page says how to build it', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'gongzhi-web-empty-'));
    const server = await startTestServer(database.url, { webDir: empty });
    try {
      const response = await fetch(`${base(server)}/`, { headers: html });
      expect(response.status).toBe(503);
      expect(await response.text()).toContain('npm run build');
    } finally {
      await server.stop();
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
