/**
 * Patrol check-in ingestion under live fan-out.
 *
 * Simulates `devices` phones each posting `batchesPerDevice` batches of
 * `batchSize` check-ins (patrolEventsRecord) to their own patrol, while
 * `subscribers` graphql-ws clients watch the area (patrolUpdates). Reports
 * events accepted per second and receipt-to-delivery latency: from the
 * server's `receivedAt` of a batch to its arrival at each subscriber (same
 * machine, same clock: loopback only).
 *
 * Run alone: `npx ts-node --transpile-only bench/patrol-ingest.ts [url]`.
 * Without a URL it starts a server with demo data on a temporary embedded
 * PostgreSQL. Tokens: by default it signs in as the demo coordinator
 * (coordinator@gongzhi.demo); pass `token` to use another account that is
 * ADMIN or COORDINATOR of a patrol organisation.
 */
import 'reflect-metadata';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { startApp } from '../src/app';
import { loadDemoData } from '../src/demo';
import { loadConfig } from '../src/shared/config';
import { SLOW_CONSUMER_CLOSE } from '../src/server/ws';
import { createLogger } from '../src/shared/logger';

export interface PatrolIngestOptions {
  /** GraphQL endpoint of a running server, e.g. http://127.0.0.1:4000/graphql. Loopback addresses only. */
  url: string;
  /**
   * Where the phones post their batches and the subscribers connect (default: url), e.g. the ingestion floor
   * (bench/ingest-floor.ts); the team, route and patrols are still set up through url.
   */
  ingestUrl?: string;
  /** Access token (or a function returning one) of an ADMIN or COORDINATOR of a patrol organisation; default: demo coordinator sign-in. */
  token?: string | (() => Promise<string>);
  /** Demo credentials used when no token is given. */
  email?: string;
  password?: string;
  /** Simulated phones (default 20, at most 500). */
  devices?: number;
  /** Tokens the subscribers use in turn (default: `token`), e.g. several users of the team's organisation. */
  subscriberTokens?: string[];
  /** Live subscribers on the area (default 50, at most 2000). */
  subscribers?: number;
  /** Events per batch (default 50, at most 500). */
  batchSize?: number;
  /** Batches each phone sends (default 5, at most 200). */
  batchesPerDevice?: number;
  /**
   * Paced: the phones together send at most this many events a second, their batches spaced evenly (a phone
   * still waits for its previous answer). Default: as fast as the server answers, so that every phone always has
   * a batch in flight and receipt-to-delivery includes the time a batch queues behind the other phones'.
   */
  eventsPerSecond?: number;
  /** Stop sending after this long, whatever is left (default 60 s, at most 10 min). */
  maxDurationMs?: number;
  /**
   * Before the measured run, the phones send as fast as answered for this long and their deliveries are awaited
   * and discarded (default 0: none). A server fresh from start runs its code unoptimised while V8 compiles it: in
   * the first 5 s of a run it accepted 5,790 events/s, in the fourth 7,900, and its compiler took a tenth of its CPU.
   */
  warmupMs?: number;
  /** Progress lines; default: none. */
  log?: (line: string) => void;
  /** Called as the measured phase starts and again once every delivery arrived (or the wait gave up): e.g. to read CPU counters. */
  measured?: { start(): void | Promise<void>; end(): void | Promise<void> };
}

export interface PatrolIngestResult {
  devices: number;
  subscribers: number;
  batchSize: number;
  batchesSent: number;
  eventsSent: number;
  eventsAccepted: number;
  sendSeconds: number;
  eventsPerSecond: number;
  /** The pace asked for (events/s), or null when the phones sent as fast as they were answered. */
  pacedAt: number | null;
  deliveriesExpected: number;
  deliveriesReceived: number;
  p50DeliveryMs: number;
  p99DeliveryMs: number;
  maxDeliveryMs: number;
  /** SQL statements per batch (X-SQL-Statements), median over the first ten phones' second batches (or their only ones; the rest are not counted); NaN when the server does not expose it. */
  sqlPerBatch: number;
  /** CPU of this process (the bench's phones and subscribers) from the first batch to the last delivery, in ms. */
  benchCpuMs: number;
  /** From the first batch to the last delivery (or the end of the wait), in s. */
  measuredSeconds: number;
  /** Events/s accepted during the warm-up (not measured); null without one. */
  warmupEventsPerSecond: number | null;
  /** Subscribers cut off as slow consumers during the measured run that subscribed again after their last cursor. */
  slowConsumerResumes: number;
  /** Measured batches a subscriber received more than once (not counted as deliveries). */
  duplicateDeliveries: number;
}

/** Phones whose second batch is counted (X-SQL-Statements): a sample, see the sustained run. */
const COUNTED_PHONES = 10;

const clamp = (value: number | undefined, fallback: number, min: number, max: number) => Math.min(max, Math.max(min, Math.floor(value ?? fallback)));

function assertLoopback(url: string): void {
  const host = new URL(url).hostname;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) throw new Error(`benchPatrolIngest runs against loopback only, not ${host}`);
}

async function post<T = any>(url: string, token: string | null, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  return (await postCounted<T>(url, token, query, variables)).data;
}

/**
 * The phones' HTTP client: node:http over kept-alive sockets. The bench shares the machine's two cores with the
 * server and PostgreSQL, and with fetch (undici) the phones spent 44-46 µs of CPU per event against 29-30 µs now,
 * CPU the server then lacked. The floor's run posts through the same client.
 */
const phoneAgent = new http.Agent({ keepAlive: true, maxSockets: 1000 });

/** Also answers how many SQL statements the request cost (X-SQL-Statements; NaN when the server does not expose it). */
function postCounted<T = any>(url: string, token: string | null, query: string, variables: Record<string, unknown> = {}, count = true, retried = false): Promise<{ data: T; sql: number }> {
  const body = Buffer.from(JSON.stringify({ query, variables }));
  return new Promise<{ data: T; sql: number }>((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: 'POST',
        agent: phoneAgent,
        // Counting costs the server an async hook on every promise while a counted request is in flight (production
        // counts nothing): a sustained run counts a sample of its requests only.
        headers: {
          'content-type': 'application/json',
          'content-length': body.length,
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(count ? {} : { 'x-sql-count': 'off' }),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          try {
            const answer = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data?: any; errors?: unknown[] };
            if (answer.errors?.length) throw new Error(`GraphQL error: ${JSON.stringify(answer.errors).slice(0, 500)}`);
            resolve({ data: answer.data as T, sql: Number(response.headers['x-sql-statements'] ?? NaN) });
          } catch (error) {
            reject(error);
          }
        });
      },
    );
    request.on('error', (error: NodeJS.ErrnoException) => {
      // A kept-alive socket the server closed as idle (5 s) just as a phone reused it: the request never reached the
      // server, so it is sent once more on a new socket, as Node's documentation advises (request.reusedSocket). In
      // the paced runs a phone posts every 4-5 s, and on a slow day this ended the bench with "socket hang up".
      if (!retried && request.reusedSocket && error.code === 'ECONNRESET') postCounted<T>(url, token, query, variables, count, true).then(resolve, reject);
      else reject(error);
    });
    request.end(body);
  });
}

function payloadOf(data: any, field: string): any {
  const payload = data[field];
  if (payload?.userErrors?.length) throw new Error(`${field}: ${JSON.stringify(payload.userErrors)}`);
  return payload;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

async function resolveToken(opts: PatrolIngestOptions): Promise<string> {
  if (typeof opts.token === 'string') return opts.token;
  if (typeof opts.token === 'function') return opts.token();
  const data = await post(opts.url, null, `mutation ($input: AuthLoginInput!) { authLogin(input: $input) { accessToken { token } userErrors { code } } }`, {
    input: { email: opts.email ?? 'coordinator@gongzhi.demo', password: opts.password ?? 'gongzhi-demo-2026' },
  });
  return payloadOf(data, 'authLogin').accessToken.token;
}

export async function benchPatrolIngest(opts: PatrolIngestOptions): Promise<PatrolIngestResult> {
  assertLoopback(opts.url);
  const ingestUrl = opts.ingestUrl ?? opts.url;
  assertLoopback(ingestUrl);
  const devices = clamp(opts.devices, 20, 1, 500);
  const subscriberCount = clamp(opts.subscribers, 50, 0, 2000);
  const batchSize = clamp(opts.batchSize, 50, 1, 500);
  const batchesPerDevice = clamp(opts.batchesPerDevice, 5, 1, 200);
  const maxDurationMs = clamp(opts.maxDurationMs, 60_000, 1000, 600_000);
  const warmupMs = clamp(opts.warmupMs, 0, 0, 120_000);
  const log = opts.log ?? (() => {});
  const token = await resolveToken(opts);
  const url = opts.url;

  // ---- setup: a team, one checkpoint on a route, one patrol per phone
  const viewer = await post(url, token, `{ viewer { organizations { id kind homeArea { id } } } }`);
  const organizations: { id: string; kind: string; homeArea: { id: string } }[] = viewer.viewer.organizations;
  const organization = organizations.find((o) => o.kind === 'VOLUNTEER_PATROL') ?? organizations[0];
  if (!organization) throw new Error('The bench account belongs to no organisation.');
  const areaId = organization.homeArea.id;
  const stamp = Date.now().toString(36);
  const team = payloadOf(
    await post(url, token, `mutation ($input: PatrolTeamCreateInput!) { patrolTeamCreate(input: $input) { patrolTeam { id } userErrors { code message } } }`, {
      input: { organizationId: organization.id, name: `bench-${stamp}`, kind: 'VOLUNTEER', areaId },
    }),
    'patrolTeamCreate',
  ).patrolTeam.id;
  const checkpoint = payloadOf(
    await post(url, token, `mutation ($input: CheckpointCreateInput!) { checkpointCreate(input: $input) { checkpoint { id } userErrors { code message } } }`, {
      input: { organizationId: organization.id, name: `bench-${stamp}`, kind: 'OTHER', latitude: 30.31, longitude: 112.25, areaId },
    }),
    'checkpointCreate',
  ).checkpoint.id;
  const route = payloadOf(
    await post(url, token, `mutation ($input: RouteCreateInput!) { routeCreate(input: $input) { route { id } userErrors { code message } } }`, {
      input: { organizationId: organization.id, name: `bench-${stamp}`, areaId, checkpointIds: [checkpoint] },
    }),
    'routeCreate',
  ).route.id;
  const patrols: string[] = [];
  for (let i = 0; i < devices; i++) {
    const plan = payloadOf(
      await post(url, token, `mutation ($input: PatrolPlanInput!) { patrolPlan(input: $input) { patrols { id } userErrors { code message } } }`, {
        input: { teamId: team, routeId: route, plannedStart: new Date(Date.now() - 60_000).toISOString(), plannedEnd: new Date(Date.now() + 2 * 3_600_000).toISOString() },
      }),
      'patrolPlan',
    );
    patrols.push(plan.patrols[0].id);
  }
  log(`setup: team, route and ${devices} patrols in area ${areaId}`);

  // ---- subscribers
  const latencies: number[] = [];
  let deliveries = 0;
  let warmups = 0;
  /**
   * A subscriber the server cut off for reading too slowly (close 1013) does what the close reason asks of a real
   * client: it subscribes again after the last cursor it holds, and the log replays what it missed. Without that,
   * two subscribers cut off in a warm-up at 500 subscribers received nothing after it, and their 2,000 measured
   * deliveries were counted as never made.
   */
  let resumes = 0;
  /** Which measured batches each subscriber received: a replay that sent one twice must not hide one never sent. */
  const batchesReceived = new Uint8Array(subscriberCount * devices * batchesPerDevice);
  let duplicateDeliveries = 0;
  const cursors: (string | undefined)[] = [];
  const clients: Client[] = [];
  const wsUrl = ingestUrl.replace(/^http/, 'ws');
  const subscribe = (i: number) => {
    const subscriberToken = opts.subscriberTokens?.length ? opts.subscriberTokens[i % opts.subscriberTokens.length] : token;
    const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${subscriberToken}` }, retryAttempts: 0, lazy: true });
    clients[i] = client;
    client.subscribe<{ patrolUpdates: { cursor?: string; type: string; events: { clientEventId: string; receivedAt: string }[] } }>(
      {
        query: `subscription ($areaId: ID, $after: String) { patrolUpdates(areaId: $areaId, after: $after) { cursor type events { clientEventId receivedAt } } }`,
        variables: { areaId, after: cursors[i] ?? null },
      },
      {
        next: (result) => {
          const update = result.data?.patrolUpdates;
          if (!update) return;
          cursors[i] = update.cursor;
          if (update.type !== 'patrol.eventsRecorded' || update.events.length === 0) return;
          if (update.events[0].clientEventId.startsWith('warmup')) {
            warmups += 1;
            return;
          }
          const [, device, batch] = /^d(\d+)-b(\d+)-/.exec(update.events[0].clientEventId) ?? [];
          const slot = (i * devices + Number(device)) * batchesPerDevice + Number(batch);
          if (batchesReceived[slot]) {
            duplicateDeliveries += 1;
            return;
          }
          batchesReceived[slot] = 1;
          deliveries += 1;
          latencies.push(Date.now() - Date.parse(update.events[0].receivedAt));
        },
        error: (error) => {
          const code = (error as { code?: number }).code;
          if (code === SLOW_CONSUMER_CLOSE && cursors[i] !== undefined) {
            resumes += 1;
            void client.dispose();
            subscribe(i);
            return;
          }
          log(`subscriber ${i} error: ${code ?? JSON.stringify(error).slice(0, 200)}`);
        },
        complete: () => {},
      },
    );
  };
  for (let i = 0; i < subscriberCount; i++) subscribe(i);
  const waitUntil = async (condition: () => boolean, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return condition();
  };
  /**
   * Waits for `received()` to reach `expected` while it keeps growing: gives up after `quietMs` without a single
   * arrival, or 120 s in all.
   */
  const waitWhileArriving = async (received: () => number, expected: number, quietMs: number) => {
    const waitStarted = Date.now();
    for (let seen = -1; received() < expected && received() !== seen && Date.now() - waitStarted < 120_000; ) {
      seen = received();
      await waitUntil(() => received() >= expected, quietMs);
    }
  };
  // A warm-up batch proves every subscriber is live before measuring.
  const record = (deviceIndex: number, clientIds: string[], count = true) =>
    postCounted(ingestUrl, token, `mutation ($input: PatrolEventsRecordInput!) { patrolEventsRecord(input: $input) { acceptedCount userErrors { code message } } }`, {
      input: {
        deviceId: `bench-${stamp}-${deviceIndex}`,
        patrolId: patrols[deviceIndex],
        events: clientIds.map((clientEventId, k) =>
          k % 10 === 0
            ? { clientEventId, kind: 'CHECKPOINT', checkpointId: checkpoint, deviceTime: new Date().toISOString(), latitude: 30.31, longitude: 112.25 }
            : { clientEventId, kind: 'POSITION', deviceTime: new Date().toISOString(), latitude: 30.31 + k * 1e-5, longitude: 112.25 },
        ),
      },
    }, count);
  if (subscriberCount > 0) {
    const deadline = Date.now() + 15_000;
    let round = 0;
    while (warmups < subscriberCount && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      warmups = 0;
      await record(0, [`warmup-${round++}`]);
      await waitUntil(() => warmups >= subscriberCount, 2000);
    }
    log(`subscribers live: ${warmups}/${subscriberCount}`);
  }

  // ---- warm-up: the same load, its client event ids marked so that subscribers set its deliveries aside
  let warmupEventsPerSecond: number | null = null;
  if (warmupMs > 0) {
    warmups = 0;
    let accepted = 0;
    let batches = 0;
    const began = Date.now();
    await Promise.all(
      patrols.map(async (_, d) => {
        for (let b = 0; Date.now() - began < warmupMs; b++) {
          const { data } = await record(d, Array.from({ length: batchSize }, (_, k) => `warmup-d${d}-b${b}-e${k}`), false);
          accepted += payloadOf(data, 'patrolEventsRecord').acceptedCount;
          batches += 1;
        }
      }),
    );
    warmupEventsPerSecond = Math.round(accepted / ((Date.now() - began) / 1000));
    // Its deliveries drained first, so that none of its work falls into the measured run.
    await waitWhileArriving(() => warmups, batches * subscriberCount, 5000);
    log(`warm-up: ${batches} batches in ${Math.round((Date.now() - began) / 1000)} s (${warmupEventsPerSecond} events/s), ${warmups}/${batches * subscriberCount} deliveries`);
  }

  // ---- sustained ingestion
  let batchesSent = 0;
  let eventsSent = 0;
  let eventsAccepted = 0;
  const sqlCounts: number[] = [];
  await opts.measured?.start();
  const resumesBefore = resumes;
  const cpuBefore = process.cpuUsage();
  const started = Date.now();
  const stopAt = started + maxDurationMs;
  const pace = opts.eventsPerSecond && opts.eventsPerSecond > 0 ? opts.eventsPerSecond : null;
  let slots = 0;
  /** Paced: waits for the next free moment of the run's schedule (one batch every batchSize / pace seconds). */
  const nextSlot = async () => {
    if (!pace) return;
    const wait = started + ((slots++ * batchSize) / pace) * 1000 - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  };
  const ticker = setInterval(() => log(`sent ${batchesSent}/${devices * batchesPerDevice} batches, ${eventsAccepted} events accepted, ${deliveries} deliveries (${Math.round((Date.now() - started) / 1000)} s)`), 5000);
  ticker.unref();
  await Promise.all(
    patrols.map(async (_, d) => {
      for (let b = 0; b < batchesPerDevice && Date.now() < stopAt; b++) {
        await nextSlot();
        if (Date.now() >= stopAt) break;
        const ids = Array.from({ length: batchSize }, (_, k) => `d${d}-b${b}-e${k}`);
        // Statements are counted on a phone's second batch (its first starts the patrol, a different path), or its only
        // one, and on the first ten phones only: while a counted request is in flight every promise of the server runs
        // an async hook, and counting every phone's second batch kept them on for a fifth of the run.
        const counted = d < COUNTED_PHONES && b === Math.min(1, batchesPerDevice - 1);
        const { data, sql } = await record(d, ids, counted);
        if (counted) sqlCounts.push(sql);
        batchesSent += 1;
        eventsSent += batchSize;
        eventsAccepted += payloadOf(data, 'patrolEventsRecord').acceptedCount;
      }
    }),
  );
  clearInterval(ticker);
  const sendSeconds = (Date.now() - started) / 1000;
  const expected = batchesSent * subscriberCount;
  // Deliveries still queued when the last batch is accepted are waited for while they keep arriving (a 15 s wait
  // cut off tens of thousands at 500 subscribers on a loaded machine and counted them as never made).
  await waitWhileArriving(() => deliveries, expected, 15_000);
  const measuredSeconds = (Date.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  await opts.measured?.end();
  await Promise.all(clients.map((c) => c.dispose()));

  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    devices,
    subscribers: subscriberCount,
    batchSize,
    batchesSent,
    eventsSent,
    eventsAccepted,
    sendSeconds: Math.round(sendSeconds * 100) / 100,
    eventsPerSecond: Math.round(eventsAccepted / sendSeconds),
    pacedAt: pace,
    deliveriesExpected: expected,
    deliveriesReceived: deliveries,
    p50DeliveryMs: percentile(sorted, 50),
    p99DeliveryMs: percentile(sorted, 99),
    maxDeliveryMs: sorted[sorted.length - 1] ?? NaN,
    sqlPerBatch: percentile([...sqlCounts].sort((a, b) => a - b), 50),
    benchCpuMs: Math.round((cpu.user + cpu.system) / 1000),
    measuredSeconds: Math.round(measuredSeconds * 100) / 100,
    warmupEventsPerSecond,
    slowConsumerResumes: resumes - resumesBefore,
    duplicateDeliveries,
  };
}

async function main(): Promise<void> {
  const url = process.argv[2] ?? process.env.BENCH_URL;
  const num = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);
  const options = { devices: num('BENCH_DEVICES'), subscribers: num('BENCH_SUBSCRIBERS'), batchesPerDevice: num('BENCH_BATCHES'), log: (line: string) => console.log(`  ${line}`) };
  if (url) {
    console.log(JSON.stringify(await benchPatrolIngest({ url, ...options }), null, 2));
    return;
  }
  // No server given: start one with demo data on a throw-away embedded PostgreSQL.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gongzhi-bench-'));
  fs.chmodSync(dir, 0o755);
  const config = { ...loadConfig({ NODE_ENV: 'development', DATA_DIR: dir, LOG_LEVEL: 'silent', DEMO_DATA: 'true' }), port: 0, host: '127.0.0.1' };
  const app = await startApp(config, createLogger('silent'), { beforeListen: (db, log) => loadDemoData(db, log).then(() => undefined) });
  try {
    console.log(`  server on ${app.url}`);
    console.log(JSON.stringify(await benchPatrolIngest({ url: app.url, ...options }), null, 2));
  } finally {
    await app.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
