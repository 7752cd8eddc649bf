import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { startApp } from '../src/app';
import { createTestDatabase, TEST_JWT_SECRET } from './support/server';
import { seedWorld } from './support/world';
import { loadConfig } from '../src/shared/config';
import { startMetricsServer } from '../src/server/metrics-endpoint';
import { gql, sleep, wsClient } from './support/graphql';
import { startHarness, stopHarness, type Harness } from './support/harness';
import { subscribeListening } from './support/listening';

// No type declarations ship with it; it returns the metric families of a Prometheus text exposition.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const parsePrometheus: (text: string) => Family[] = require('parse-prometheus-text-format');

interface Sample {
  value?: string;
  count?: string;
  labels?: Record<string, string>;
}
interface Family {
  name: string;
  type: string;
  metrics: Sample[];
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => stopHarness(h));

type Scrape = Map<string, Family> & { text: string };

async function scrape(base = h.server.httpUrl.replace('/graphql', ''), token?: string): Promise<Scrape> {
  const response = await fetch(`${base}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  const text = await response.text();
  // The parser throws on any line that is not valid exposition format.
  return Object.assign(new Map(parsePrometheus(text).map((family) => [family.name, family])), { text });
}

/**
 * A histogram's `_count` for a label set, read from the text: the parser
 * folds labelled histograms into one sample, so it cannot tell them apart.
 */
function histogramCount(scraped: Scrape, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = scraped.text.split('\n').find((l) => l.startsWith(`${name}_count{`) && wanted.every((w) => l.includes(w)));
  return line ? Number(line.split(' ').pop()) : 0;
}

/** The value (or histogram count) of the sample whose labels include `labels`; 0 when absent. */
function value(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  const family = families.get(name);
  const sample = family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return Number(sample?.value ?? sample?.count ?? 0);
}

describe('GET /metrics', () => {
  test('given requests, subscriptions, events and job runs, then the Prometheus text parses and its figures move', async () => {
    const before = await scrape();
    const client = wsClient(h.server.wsUrl, h.world.tokens.policeLiaison);
    const sub = await subscribeListening(h.server, client, `subscription MetricsFeed { networkChanges { cursor } }`);
    await gql(h.server.httpUrl, `query MetricsProbe { viewer { signedIn } }`, {}, h.world.tokens.communityMember);
    await gql(h.server.httpUrl, `query MetricsProbe { viewer { signedIn } }`, {}, h.world.tokens.communityMember);
    await gql(h.server.httpUrl, `query MetricsProbe { viewer { signedInn } }`, {}, h.world.tokens.communityMember);
    await gql(
      h.server.httpUrl,
      `mutation MetricsWrite($input: OrganizationUpdateInput!) { organizationUpdate(input: $input) { userErrors { code } } }`,
      { input: { id: h.world.gid.org('police'), description: 'metrics' } },
      h.world.tokens.policeAdmin,
    );
    await sub.waitFor(1);
    await h.server.scheduler.runAll();
    const during = await scrape();
    await client.dispose();

    const ok = { operation: 'MetricsProbe', type: 'query', outcome: 'ok' };
    expect(value(during, 'gongzhi_graphql_requests_total', ok) - value(before, 'gongzhi_graphql_requests_total', ok)).toBe(2);
    expect(during.get('gongzhi_graphql_request_duration_seconds')?.type).toBe('HISTOGRAM');
    expect(histogramCount(during, 'gongzhi_graphql_request_duration_seconds', ok) - histogramCount(before, 'gongzhi_graphql_request_duration_seconds', ok)).toBe(2);
    // A document that does not validate has no operation to name.
    expect(value(during, 'gongzhi_graphql_requests_total', { operation: 'none', outcome: 'invalid' })).toBeGreaterThan(value(before, 'gongzhi_graphql_requests_total', { operation: 'none', outcome: 'invalid' }));
    expect(value(during, 'gongzhi_graphql_requests_total', { operation: 'MetricsWrite', type: 'mutation', outcome: 'ok' })).toBe(1);
    expect(value(during, 'gongzhi_subscriptions_active')).toBeGreaterThanOrEqual(1);
    expect(value(during, 'gongzhi_websocket_connections')).toBeGreaterThanOrEqual(1);
    expect(value(during, 'gongzhi_http_open_sockets')).toBeGreaterThanOrEqual(1);
    expect(value(during, 'gongzhi_subscription_deliveries_total')).toBeGreaterThan(value(before, 'gongzhi_subscription_deliveries_total'));
    expect(value(during, 'gongzhi_events_dispatched_total')).toBeGreaterThan(value(before, 'gongzhi_events_dispatched_total'));
    expect(during.get('gongzhi_event_log_lag')?.metrics).toHaveLength(1);
    expect(value(during, 'gongzhi_event_log_lag')).toBeGreaterThanOrEqual(0);
    expect(value(during, 'gongzhi_db_pool_connections', { pool: 'main', state: 'total' })).toBeGreaterThanOrEqual(1);
    const runs = (m: Map<string, Family>) => (m.get('gongzhi_scheduler_job_runs_total')?.metrics ?? []).reduce((n, s) => n + Number(s.value), 0);
    expect(runs(during)).toBeGreaterThan(runs(before));
    expect(during.has('gongzhi_subscription_ends_total')).toBe(true);
  });

  test('given a metrics token (as production needs), then /metrics answers only to that bearer token', async () => {
    const token = 'metrics-token-0123456789';
    const guarded = await startHarness({ nodeEnv: 'production', metricsToken: token });
    try {
      const base = guarded.server.httpUrl.replace('/graphql', '');
      expect((await fetch(`${base}/metrics`)).status).toBe(401);
      expect((await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
      expect((await scrape(base, token)).has('gongzhi_graphql_requests_total')).toBe(true);
    } finally {
      await stopHarness(guarded);
    }
  });

  test('given production without a token, then /metrics is not served on the API port; a separate METRICS_PORT serves it', async () => {
    const production = loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://x/y', JWT_SECRET: 'x'.repeat(32) });
    expect(production.metricsToken).toBeUndefined();
    const guarded = await startHarness({ nodeEnv: 'production' });
    try {
      expect((await fetch(`${guarded.server.httpUrl.replace('/graphql', '')}/metrics`)).status).toBe(404);
    } finally {
      await stopHarness(guarded);
    }
    const server = (await startMetricsServer({ ...production, metricsPort: 0, metricsHost: '127.0.0.1' }))!;
    try {
      const { port } = server.address() as AddressInfo;
      expect((await scrape(`http://127.0.0.1:${port}`)).has('gongzhi_event_log_lag')).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('request logs', () => {
  test('given a named mutation and an anonymous query, then their log lines carry the operation name and type', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line));
        done();
      },
    });
    const database = await createTestDatabase();
    const config = { ...loadConfig({ NODE_ENV: 'test', JWT_SECRET: TEST_JWT_SECRET, DATABASE_URL: database.url, DEMO_DATA: 'false' }), port: 0, host: '127.0.0.1' };
    const app = await startApp(config, pino({ level: 'info' }, sink));
    try {
      const world = await seedWorld(app.services.db, app.services.tokens);
      const url = `http://127.0.0.1:${app.port}/graphql`;
      await gql(url, `mutation RenamePolice($input: OrganizationUpdateInput!) { organizationUpdate(input: $input) { userErrors { code } } }`, { input: { id: world.gid.org('police'), description: 'logged' } }, world.tokens.policeAdmin);
      await gql(url, `{ viewer { signedIn } }`, {}, world.tokens.communityMember);
      await sleep(100);
      const requests = lines.filter((l) => l.msg === 'request' && l.path === '/graphql');
      expect(requests.map((l) => [l.operationName, l.operationType, l.status])).toEqual([
        ['RenamePolice', 'mutation', 200],
        [null, 'query', 200],
      ]);
    } finally {
      await app.stop();
      await database.drop();
    }
  });
});
