import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';

/** dist/web under the project root (the nearest folder above this file with a package.json), from src/ and from dist/src/ alike. */
function defaultWebDir(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve('dist', 'web');
    dir = parent;
  }
  return path.join(dir, 'dist', 'web');
}

export type NodeEnv = 'development' | 'production' | 'test';

export interface Config {
  nodeEnv: NodeEnv;
  host: string;
  port: number;
  /** Unset means: run an embedded PostgreSQL under `dataDir`. */
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  /** Unset in development means: generate one and keep it under `dataDir`. */
  jwtSecret: string | undefined;
  jwtIssuer: string;
  jwtAudience: string;
  jwtTtlSeconds: number;
  /** How long a refresh token (from `authLogin`/`authRefresh`) may be used; each use rotates it. */
  refreshTtlSeconds: number;
  /** Failed sign-ins per account (e-mail or client id) per 15 minutes before it must wait. */
  signInMaxFailuresPerAccount: number;
  /** Failed sign-ins per client address per hour before it must wait. */
  signInMaxFailuresPerAddress: number;
  /** Requests to the public (signed-out) operations per client address per minute. */
  publicMaxRequestsPerMinute: number;
  /** Reverse proxies in front of the server whose X-Forwarded-For is believed (0: use the TCP peer address). */
  trustProxyHops: number;
  logLevel: string;
  dataDir: string;
  introspection: boolean;
  /** Serve the in-browser GraphQL explorer at GET /graphql. */
  explorer: boolean;
  /** Where the built console (web/) is served from. */
  webDir: string;
  loadDemoData: boolean;
  exposeSqlCount: boolean;
  /** Planned reads (one SQL for a list and its nested relations); off only to compare with the resolver-by-resolver path. */
  readPlan: boolean;
  /** Queries and mutations over HTTP run compiled (graphql-jit) instead of interpreted by graphql-js. */
  compiledExecution: boolean;
  limits: {
    maxDepth: number;
    maxAliases: number;
    maxDirectives: number;
    /** Lexical tokens per document; bounds parsing before anything else runs. */
    maxTokens: number;
    /** Field selections per operation with fragments expanded (duplicates count). */
    maxFields: number;
    maxCost: number;
    /** Strip "Did you mean …" from validation errors, so the schema cannot be guessed field by field. */
    blockFieldSuggestions: boolean;
    maxSubscriptionsPerConnection: number;
    maxBufferedBytesPerConnection: number;
    /** A WebSocket with unsent bytes and no write progress for this long is cut off. */
    wsStallTimeoutMs: number;
  };
  /** Bearer token that GET /metrics requires; unset: open in development, off in production unless `metricsPort` is set. */
  metricsToken: string | undefined;
  /** Serve /metrics on this port instead (on `metricsHost`), not on the API port. */
  metricsPort: number | undefined;
  metricsHost: string;
  eventRetentionDays: number;
  /** A CHECKPOINT check-in farther than this from its checkpoint is recorded but flagged. */
  patrolCheckpointRadiusMeters: number;
  /**
   * A group of check-in batches whose transaction has run this long is taken to wait on a lock (one takes
   * milliseconds): the batches queued behind it get a transaction of their own (patrol.ingest-group.ts).
   */
  checkInGroupStalledMs: number;
  eventPollMs: number;
  schedulerIntervalMs: number;
  webhooks: WebhookConfig;
}

export interface WebhookConfig {
  /**
   * Networks (CIDR or single addresses) webhook deliveries may reach even
   * though they are private, loopback or link-local, e.g. a partner system on
   * the same LAN. Empty by default: only public addresses.
   */
  allowedNetworks: string[];
  connectTimeoutMs: number;
  /** Whole request, from connecting to the last byte of the answer. */
  timeoutMs: number;
  /** Bytes of an answer read at most; the rest is not read. */
  maxResponseBytes: number;
  /** First retry delay; it doubles per failed attempt (with jitter) up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** A delivery still failing when its event is older than this is dead-lettered, and the endpoint moves on. */
  maxAgeMs: number;
  /** An endpoint with no success for this long is disabled, and its organisation told. */
  disableAfterMs: number;
  /** Deliveries running at once in this process (one per endpoint at most). */
  concurrency: number;
}

export class ConfigError extends Error {}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

function bool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function url(env: NodeJS.ProcessEnv, name: string, protocols: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a valid URL`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must use one of ${protocols.join(', ')}`);
  }
  return raw;
}

function networks(env: NodeJS.ProcessEnv, name: string): string[] {
  const raw = env[name];
  if (!raw) return [];
  const entries = raw.split(',').map((e) => e.trim()).filter(Boolean);
  for (const entry of entries) {
    const [address, prefix] = entry.split('/');
    const family = net.isIP(address);
    const max = family === 6 ? 128 : 32;
    if (!family || (prefix !== undefined && !(/^\d+$/.test(prefix) && Number(prefix) <= max))) throw new ConfigError(`${name} holds "${entry}", which is not an IP address or CIDR range`);
  }
  return entries;
}

function metricsToken(env: NodeJS.ProcessEnv): string | undefined {
  const token = env.METRICS_TOKEN || undefined;
  if (token !== undefined && token.length < 16) throw new ConfigError('METRICS_TOKEN must be at least 16 characters');
  return token;
}

/**
 * Reads the whole configuration once at start. Production refuses to start on
 * missing secrets rather than falling back to development conveniences.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const rawEnv = env.NODE_ENV ?? 'development';
  if (!['development', 'production', 'test'].includes(rawEnv)) {
    throw new ConfigError(`NODE_ENV must be development, production or test, got "${rawEnv}"`);
  }
  const nodeEnv = rawEnv as NodeEnv;
  const production = nodeEnv === 'production';
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const jwtSecret = env.JWT_SECRET || undefined;
  const logLevel = env.LOG_LEVEL || (nodeEnv === 'test' ? 'silent' : 'info');
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent`);
  }
  if (production) {
    if (!databaseUrl) throw new ConfigError('DATABASE_URL is required when NODE_ENV=production');
    if (!jwtSecret) throw new ConfigError('JWT_SECRET is required when NODE_ENV=production');
  }
  if (jwtSecret !== undefined && jwtSecret.length < 32) {
    throw new ConfigError('JWT_SECRET must be at least 32 characters');
  }
  return {
    nodeEnv,
    host: env.HOST || '0.0.0.0',
    port: int(env, 'PORT', 4000, 0, 65535),
    databaseUrl,
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    jwtSecret,
    jwtIssuer: 'gongzhi',
    jwtAudience: 'gongzhi-api',
    jwtTtlSeconds: int(env, 'JWT_TTL_SECONDS', 900, 60, 86400),
    refreshTtlSeconds: int(env, 'REFRESH_TTL_SECONDS', 43200, 300, 30 * 86400),
    signInMaxFailuresPerAccount: int(env, 'SIGNIN_MAX_FAILURES_PER_ACCOUNT', 10, 1, 1000),
    signInMaxFailuresPerAddress: int(env, 'SIGNIN_MAX_FAILURES_PER_ADDRESS', 100, 1, 100000),
    publicMaxRequestsPerMinute: int(env, 'PUBLIC_MAX_REQUESTS_PER_MINUTE', 60, 1, 100000),
    trustProxyHops: int(env, 'TRUST_PROXY_HOPS', 0, 0, 10),
    logLevel,
    dataDir: path.resolve(env.DATA_DIR || '.data'),
    introspection: bool(env, 'INTROSPECTION', !production),
    explorer: bool(env, 'EXPLORER', !production),
    webDir: env.WEB_DIR ? path.resolve(env.WEB_DIR) : defaultWebDir(),
    loadDemoData: bool(env, 'DEMO_DATA', !databaseUrl),
    exposeSqlCount: bool(env, 'EXPOSE_SQL_COUNT', !production),
    readPlan: bool(env, 'READ_PLAN', true),
    compiledExecution: bool(env, 'COMPILED_EXECUTION', true),
    limits: {
      maxDepth: int(env, 'QUERY_MAX_DEPTH', 12, 2, 100),
      maxAliases: int(env, 'QUERY_MAX_ALIASES', 30, 0, 1000),
      maxDirectives: int(env, 'QUERY_MAX_DIRECTIVES', 10, 0, 1000),
      maxTokens: int(env, 'QUERY_MAX_TOKENS', 1000, 50, 100_000),
      maxFields: int(env, 'QUERY_MAX_FIELDS', 300, 10, 100_000),
      maxCost: int(env, 'QUERY_MAX_COST', 20000, 10, 10_000_000),
      blockFieldSuggestions: bool(env, 'BLOCK_FIELD_SUGGESTIONS', production),
      maxSubscriptionsPerConnection: int(env, 'WS_MAX_SUBSCRIPTIONS', 20, 1, 1000),
      maxBufferedBytesPerConnection: int(env, 'WS_MAX_BUFFERED_BYTES', 4 * 1024 * 1024, 1024, 1024 ** 3),
      wsStallTimeoutMs: int(env, 'WS_STALL_TIMEOUT_MS', 30_000, 300, 3_600_000),
    },
    metricsToken: metricsToken(env),
    metricsPort: env.METRICS_PORT ? int(env, 'METRICS_PORT', 0, 0, 65535) : undefined,
    metricsHost: env.METRICS_HOST || '127.0.0.1',
    eventRetentionDays: int(env, 'EVENT_RETENTION_DAYS', 30, 1, 3650),
    patrolCheckpointRadiusMeters: int(env, 'PATROL_CHECKPOINT_RADIUS_M', 150, 5, 10_000),
    checkInGroupStalledMs: int(env, 'CHECKIN_GROUP_STALLED_MS', 250, 10, 60_000),
    eventPollMs: int(env, 'EVENT_POLL_MS', 1000, 50, 60000),
    schedulerIntervalMs: int(env, 'SCHEDULER_INTERVAL_MS', 30000, 100, 3600000),
    webhooks: {
      allowedNetworks: networks(env, 'WEBHOOK_ALLOWED_NETWORKS'),
      connectTimeoutMs: int(env, 'WEBHOOK_CONNECT_TIMEOUT_MS', 5000, 50, 60_000),
      timeoutMs: int(env, 'WEBHOOK_TIMEOUT_MS', 15_000, 100, 120_000),
      maxResponseBytes: int(env, 'WEBHOOK_MAX_RESPONSE_BYTES', 64 * 1024, 256, 10 * 1024 * 1024),
      retryBaseMs: int(env, 'WEBHOOK_RETRY_BASE_MS', 5000, 10, 3_600_000),
      retryMaxMs: int(env, 'WEBHOOK_RETRY_MAX_MS', 3_600_000, 10, 86_400_000),
      maxAgeMs: int(env, 'WEBHOOK_MAX_AGE_MS', 3 * 86_400_000, 100, 30 * 86_400_000),
      disableAfterMs: int(env, 'WEBHOOK_DISABLE_AFTER_MS', 86_400_000, 100, 30 * 86_400_000),
      concurrency: int(env, 'WEBHOOK_CONCURRENCY', 16, 1, 256),
    },
  };
}
