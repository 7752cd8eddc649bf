import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DataSource } from 'typeorm';

/**
 * Prometheus metrics of this process (prom-client). One registry of its own
 * rather than prom-client's global one, so nothing else in the process can
 * clash with or pollute it. Counters live here, process-wide; values owned by
 * a running app (open sockets, pool use, event-log lag) are read at scrape
 * time from the apps registered with `addMetricsSource` (a process runs one
 * API; tests run several, and their values add up).
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'gongzhi_' });

export const OUTCOMES = ['ok', 'error', 'invalid', 'unavailable'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const graphqlRequests = new Counter({
  name: 'gongzhi_graphql_requests_total',
  help: 'GraphQL requests over HTTP by operation name, type and outcome (ok; error: an execution error; invalid: refused before running; unavailable: 503).',
  labelNames: ['operation', 'type', 'outcome'] as const,
  registers: [registry],
});

export const graphqlDuration = new Histogram({
  name: 'gongzhi_graphql_request_duration_seconds',
  help: 'Latency of GraphQL requests over HTTP, from the first byte read to the last byte written.',
  labelNames: ['operation', 'type', 'outcome'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

export const sqlAnsweredQueries = new Counter({
  name: 'gongzhi_graphql_sql_answered_queries_total',
  help: 'Queries over HTTP answered whole by one SQL statement in which PostgreSQL builds the JSON (READ_PLAN; see read-plan/sql-answer.ts), without running the executor.',
  registers: [registry],
});

export const compiledExecutions = new Counter({
  name: 'gongzhi_graphql_compiled_executions_total',
  help: 'Operations over HTTP run with COMPILED_EXECUTION on, by how they ran: compiled (graphql-jit) or interpreted (graphql-js: subscriptions, documents graphql-jit cannot compile, and requests it answers without data, such as variables that do not coerce).',
  labelNames: ['executor'] as const,
  registers: [registry],
});

export const compiledEventExecutions = new Counter({
  name: 'gongzhi_subscription_event_executions_total',
  help: 'Subscription selection sets run on an event (once per event and distinct viewer, document and variables) with COMPILED_EXECUTION on, by how they ran: compiled (graphql-jit) or interpreted (graphql-js: documents graphql-jit cannot compile, and results it gives without data).',
  labelNames: ['executor'] as const,
  registers: [registry],
});

export const subscriptionDirectDeliveries = new Counter({
  name: 'gongzhi_subscription_direct_deliveries_total',
  help: 'Live subscription results written to the socket straight from the dispatcher (their shared result was ready and the stream idle), without the stream\'s promise turns; the rest of gongzhi_subscription_deliveries_total went through the stream.',
  registers: [registry],
});

export const subscriptionDeliveries = new Counter({
  name: 'gongzhi_subscription_deliveries_total',
  help: 'Results sent to WebSocket subscribers.',
  registers: [registry],
});

export const eventsDispatched = new Counter({
  name: 'gongzhi_events_dispatched_total',
  help: 'Events read from the event log and handed to this process\'s subscribers.',
  registers: [registry],
});

export const subscriptionEnds = new Counter({
  name: 'gongzhi_subscription_ends_total',
  help: 'Subscriptions or connections ended by the server: the client fell behind (slow_consumer: too many undelivered events; send_buffer: too many unsent bytes; stalled: no read progress), or lost its right (unauthenticated: token expired, account disabled, client revoked; forbidden: a membership the subscription needed was removed).',
  labelNames: ['reason'] as const,
  registers: [registry],
});

export const jobRuns = new Counter({
  name: 'gongzhi_scheduler_job_runs_total',
  help: 'Scheduled job runs by job and outcome (ok, failed; skipped: another process held the job).',
  labelNames: ['job', 'outcome'] as const,
  registers: [registry],
});

export const jobDuration = new Histogram({
  name: 'gongzhi_scheduler_job_duration_seconds',
  help: 'Duration of scheduled job runs that did the work.',
  labelNames: ['job'] as const,
  buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120],
  registers: [registry],
});

export interface MetricsSource {
  openSockets(): number;
  webSocketConnections(): number;
  liveSubscriptions(): number;
  checkInBatchesQueued(): number;
  /** The head of the event log minus the last event this process dispatched; null when the database cannot say. */
  eventLogLag(): Promise<number | null>;
  pools: Record<string, DataSource>;
}

const sources = new Set<MetricsSource>();

/** Registers a running app's live values; the returned function removes them at shutdown. */
export function addMetricsSource(source: MetricsSource): () => void {
  sources.add(source);
  return () => sources.delete(source);
}

const sum = (read: (s: MetricsSource) => number) => [...sources].reduce((n, s) => n + read(s), 0);

new Gauge({
  name: 'gongzhi_http_open_sockets',
  help: 'Open HTTP connections (kept-alive ones included, upgraded WebSockets excluded).',
  registers: [registry],
  collect() {
    this.set(sum((s) => s.openSockets()));
  },
});

new Gauge({
  name: 'gongzhi_websocket_connections',
  help: 'Open WebSocket connections.',
  registers: [registry],
  collect() {
    this.set(sum((s) => s.webSocketConnections()));
  },
});

new Gauge({
  name: 'gongzhi_subscriptions_active',
  help: 'Live subscriptions registered with the event dispatcher.',
  registers: [registry],
  collect() {
    this.set(sum((s) => s.liveSubscriptions()));
  },
});

new Gauge({
  name: 'gongzhi_patrol_checkin_batches_queued',
  help: 'Check-in batches waiting for a transaction: they go together into the next one when another is free (patrol.ingest-group.ts).',
  registers: [registry],
  collect() {
    this.set(sum((s) => s.checkInBatchesQueued()));
  },
});

new Gauge({
  name: 'gongzhi_event_log_lag',
  help: 'Events committed to the log that this process has not dispatched yet (head cursor minus dispatched cursor).',
  registers: [registry],
  async collect() {
    const lags = await Promise.all([...sources].map((s) => s.eventLogLag().catch(() => null)));
    const known = lags.filter((l): l is number => l !== null);
    if (known.length) this.set(known.reduce((a, b) => a + b, 0));
    else this.reset();
  },
});

new Gauge({
  name: 'gongzhi_db_pool_connections',
  help: 'Database pool connections by pool and state (total, idle, waiting: requests queued for a connection).',
  labelNames: ['pool', 'state'] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const source of sources) {
      for (const [pool, dataSource] of Object.entries(source.pools)) {
        const pg = (dataSource.driver as unknown as { master?: { totalCount: number; idleCount: number; waitingCount: number } }).master;
        if (!pg) continue;
        this.inc({ pool, state: 'total' }, pg.totalCount);
        this.inc({ pool, state: 'idle' }, pg.idleCount);
        this.inc({ pool, state: 'waiting' }, pg.waitingCount);
      }
    }
  },
});

/** Operation names come from clients: past this many distinct ones, new names are counted as "other". */
const MAX_OPERATION_NAMES = 200;
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const seenNames = new Set<string>();

export function operationLabel(name: string | null | undefined): string {
  if (!name) return 'anonymous';
  if (!OPERATION_NAME.test(name)) return 'other';
  if (seenNames.has(name)) return name;
  if (seenNames.size >= MAX_OPERATION_NAMES) return 'other';
  seenNames.add(name);
  return name;
}
