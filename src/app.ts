import { SignInThrottle } from './modules/auth/auth.throttle';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import net, { type AddressInfo } from 'node:net';
import type { DataSource } from 'typeorm';
import type { Config } from './shared/config';
import type { AppServices } from './shared/context';
import type { Logger } from './shared/logger';
import { TokenService } from './shared/auth/jwt';
import { ViewerResolver } from './shared/auth/viewer-resolver';
import { clock } from './shared/clock';
import { createDataSource, migrate } from './shared/database/data-source';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './shared/database/embedded';
import { EventBus } from './shared/events/event-bus';
import { PostgresWakeTransport, RedisWakeTransport, type WakeTransport } from './shared/events/transports';
import './shared/events/retention';
import { Scheduler } from './shared/scheduler';
import { buildGraphQLSchema } from './server/schema';
import { createHttpServer } from './server/http';
import { attachWebSocket } from './server/ws';
import { startMetricsServer } from './server/metrics-endpoint';
import { addMetricsSource } from './shared/metrics';
import { WebhookWorker } from './modules/webhook/webhook.worker';
import { keepRecordedCheckIns } from './modules/patrol/patrol.subscription';
import { checkInBatchesQueued } from './modules/patrol/patrol.ingest-group';

export interface RunningApp {
  services: AppServices;
  scheduler: Scheduler;
  url: string;
  port: number;
  databaseUrl: string;
  stop(): Promise<void>;
}

/** The JWT secret of the embedded default: generated once, kept with the data so tokens survive restarts. */
function localJwtSecret(dataDir: string): string {
  const file = path.join(dataDir, 'jwt-secret');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600 });
  }
  return fs.readFileSync(file, 'utf8').trim();
}

/** A start-up failure whose message is the whole story: main prints it as one line, with no stack. */
export class StartError extends Error {}

/** One line a newcomer can act on, instead of the ws library's "Internal error ..." and a stack. */
function listenFailure(error: NodeJS.ErrnoException, port: number, host: string): Error {
  if (error.code === 'EADDRINUSE') {
    return new StartError(`Port ${port} is already in use on ${host} (is Gongzhi already running?). Stop that process or pick another port, e.g. PORT=${port === 65535 ? 4001 : port + 1} npm start`);
  }
  if (error.code === 'EACCES') return new StartError(`Port ${port} on ${host} needs privileges this user lacks. Pick a port above 1023, e.g. PORT=4000 npm start`);
  if (error.code === 'EADDRNOTAVAIL') return new StartError(`HOST=${host} is not an address of this machine. Use HOST=0.0.0.0 or HOST=127.0.0.1`);
  return error;
}

function listen(server: net.Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => reject(listenFailure(error, port, host));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
}

/** Checked before the database starts, so a taken port fails in a second, not after migrations. */
async function assertPortFree(port: number, host: string): Promise<void> {
  if (port === 0) return;
  const probe = net.createServer();
  await listen(probe, port, host);
  await new Promise((resolve) => probe.close(resolve));
}

export interface StartOptions {
  /** Runs after migrations, before the server listens (demo data). */
  beforeListen?: (db: DataSource, log: Logger) => Promise<void>;
}

export async function startApp(config: Config, log: Logger, options: StartOptions = {}): Promise<RunningApp> {
  await assertPortFree(config.port, config.host);
  let embedded: EmbeddedDatabase | null = null;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    log.info({ dir: path.join(config.dataDir, 'postgres') }, 'DATABASE_URL not set: starting embedded PostgreSQL');
    embedded = await startEmbeddedPostgres(path.join(config.dataDir, 'postgres'), { persistent: true, onLog: (m) => log.debug({ postgres: m }) });
    databaseUrl = embedded.url;
  }
  const db = createDataSource(databaseUrl, log);
  // Live delivery gets its own small pool, so dashboards stay current while
  // writers (hundreds of phones sending check-ins) hold every connection of the main one.
  const realtimeDb = createDataSource(databaseUrl, log, 5);
  let transport: WakeTransport | null = null;
  let events: EventBus | null = null;
  let scheduler: Scheduler | null = null;
  let throttle: SignInThrottle | null = null;
  let webhooks: WebhookWorker | null = null;
  try {
    await db.initialize();
    const applied = await migrate(db);
    if (applied.length) log.info({ applied }, 'migrations applied');
    await options.beforeListen?.(db, log);
    await realtimeDb.initialize();

    const tokens = new TokenService({
      secret: config.jwtSecret ?? localJwtSecret(config.dataDir),
      issuer: config.jwtIssuer,
      audience: config.jwtAudience,
      ttlSeconds: config.jwtTtlSeconds,
    });
    transport = config.redisUrl ? new RedisWakeTransport(config.redisUrl, log) : new PostgresWakeTransport(databaseUrl, log);
    events = new EventBus(realtimeDb, transport, log, config.eventPollMs);
    const viewers = new ViewerResolver(realtimeDb, tokens);
    events.onEvent((event) => {
      const subjects = event.payload?.invalidatesViewers;
      if (Array.isArray(subjects)) viewers.invalidate(subjects as string[]);
    });
    const runningWebhooks = new WebhookWorker(databaseUrl, config, log);
    webhooks = runningWebhooks;
    // Dispatched events wake the webhook fan-out (one job however many processes and events).
    events.onEvent(() => runningWebhooks.wake());
    await events.start();
    await runningWebhooks.start();

    throttle = await SignInThrottle.create(config, db, log);
    const services: AppServices = { config, db, realtimeDb, log, tokens, events, viewers, webhooks: runningWebhooks, throttle };
    // A stream of check-in batches: each batch's check-ins read once per run of events, not once per batch (see keepRecordedCheckIns).
    const runningEvents = events;
    runningEvents.beforeDelivery((page) => keepRecordedCheckIns(realtimeDb, runningEvents, page));
    const schema = buildGraphQLSchema();
    const { httpServer, drain, apollo, openSockets } = await createHttpServer(services, schema);
    // Listen first: the WebSocket server re-emits the HTTP server's errors, and graphql-ws prints
    // any such error with a stack. Attached in the same tick, no upgrade request can come in between.
    await listen(httpServer, config.port, config.host);
    const ws = attachWebSocket(services, schema, httpServer);
    const removeMetrics = addMetricsSource({
      openSockets,
      webSocketConnections: () => ws.wsServer.clients.size,
      liveSubscriptions: () => runningEvents.subscriberCount(),
      checkInBatchesQueued: () => checkInBatchesQueued(services),
      async eventLogLag() {
        const [{ head }] = await realtimeDb.query('SELECT coalesce(max(id), 0)::text AS head FROM event');
        return Number(BigInt(head) - BigInt(runningEvents.dispatchedCursor));
      },
      pools: { main: db, realtime: realtimeDb },
    });
    const metricsServer = await startMetricsServer(config);
    const runningScheduler = new Scheduler(services, () => clock.now());
    scheduler = runningScheduler;
    runningScheduler.start(config.schedulerIntervalMs);
    const { port } = httpServer.address() as AddressInfo;
    const host = config.host === '0.0.0.0' ? 'localhost' : config.host;

    let stopping: Promise<void> | null = null;
    return {
      services,
      scheduler: runningScheduler,
      port,
      url: `http://${host}:${port}/graphql`,
      databaseUrl,
      stop() {
        // Order matters: stop taking work, let in-flight requests finish, then close what they use.
        stopping ??= (async () => {
          // Refuse new work and answer what runs before anything it needs is closed.
          await drain.drain();
          removeMetrics();
          await new Promise((resolve) => (metricsServer ? metricsServer.close(resolve) : resolve(null)));
          await ws.close();
          await apollo.stop();
          await runningScheduler.stop();
          await services.throttle.close();
          // Deliveries under way finish and record their results before the pools close.
          await runningWebhooks.stop();
          await runningEvents.stop();
          await realtimeDb.destroy();
          await db.destroy();
          await embedded?.stop();
        })();
        return stopping;
      },
    };
  } catch (error) {
    await scheduler?.stop().catch(() => {});
    await throttle?.close().catch(() => {});
    await webhooks?.stop().catch(() => {});
    if (events) await events.stop().catch(() => {});
    else await transport?.stop().catch(() => {});
    if (realtimeDb.isInitialized) await realtimeDb.destroy().catch(() => {});
    if (db.isInitialized) await db.destroy().catch(() => {});
    await embedded?.stop().catch(() => {});
    throw error;
  }
}
