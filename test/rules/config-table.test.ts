import path from 'node:path';
import { ConfigError, loadConfig, type Config } from '../../src/shared/config';

/**
 * Every setting as a table: its variable, where it lands, its default and
 * its bounds. Each row is asked at the default, at both bounds and one past
 * each, so a renamed variable, a moved bound or a changed default fails here
 * (the README's configuration table documents the same values).
 */
const at = (config: Config, key: string): unknown => key.split('.').reduce<any>((o, k) => o[k], config);

describe('integer settings', () => {
  test.each([
    ['PORT', 'port', 4000, 0, 65535],
    ['JWT_TTL_SECONDS', 'jwtTtlSeconds', 900, 60, 86400],
    ['REFRESH_TTL_SECONDS', 'refreshTtlSeconds', 43200, 300, 30 * 86400],
    ['SIGNIN_MAX_FAILURES_PER_ACCOUNT', 'signInMaxFailuresPerAccount', 10, 1, 1000],
    ['SIGNIN_MAX_FAILURES_PER_ADDRESS', 'signInMaxFailuresPerAddress', 100, 1, 100000],
    ['PUBLIC_MAX_REQUESTS_PER_MINUTE', 'publicMaxRequestsPerMinute', 60, 1, 100000],
    ['TRUST_PROXY_HOPS', 'trustProxyHops', 0, 0, 10],
    ['QUERY_MAX_DEPTH', 'limits.maxDepth', 12, 2, 100],
    ['QUERY_MAX_ALIASES', 'limits.maxAliases', 30, 0, 1000],
    ['QUERY_MAX_DIRECTIVES', 'limits.maxDirectives', 10, 0, 1000],
    ['QUERY_MAX_TOKENS', 'limits.maxTokens', 1000, 50, 100_000],
    ['QUERY_MAX_FIELDS', 'limits.maxFields', 300, 10, 100_000],
    ['QUERY_MAX_COST', 'limits.maxCost', 20000, 10, 10_000_000],
    ['WS_MAX_SUBSCRIPTIONS', 'limits.maxSubscriptionsPerConnection', 20, 1, 1000],
    ['WS_MAX_BUFFERED_BYTES', 'limits.maxBufferedBytesPerConnection', 4 * 1024 * 1024, 1024, 1024 ** 3],
    ['WS_STALL_TIMEOUT_MS', 'limits.wsStallTimeoutMs', 30_000, 300, 3_600_000],
    ['EVENT_RETENTION_DAYS', 'eventRetentionDays', 30, 1, 3650],
    ['PATROL_CHECKPOINT_RADIUS_M', 'patrolCheckpointRadiusMeters', 150, 5, 10_000],
    ['CHECKIN_GROUP_STALLED_MS', 'checkInGroupStalledMs', 250, 10, 60_000],
    ['EVENT_POLL_MS', 'eventPollMs', 1000, 50, 60000],
    ['SCHEDULER_INTERVAL_MS', 'schedulerIntervalMs', 30000, 100, 3600000],
    ['WEBHOOK_CONNECT_TIMEOUT_MS', 'webhooks.connectTimeoutMs', 5000, 50, 60_000],
    ['WEBHOOK_TIMEOUT_MS', 'webhooks.timeoutMs', 15_000, 100, 120_000],
    ['WEBHOOK_MAX_RESPONSE_BYTES', 'webhooks.maxResponseBytes', 64 * 1024, 256, 10 * 1024 * 1024],
    ['WEBHOOK_RETRY_BASE_MS', 'webhooks.retryBaseMs', 5000, 10, 3_600_000],
    ['WEBHOOK_RETRY_MAX_MS', 'webhooks.retryMaxMs', 3_600_000, 10, 86_400_000],
    ['WEBHOOK_MAX_AGE_MS', 'webhooks.maxAgeMs', 3 * 86_400_000, 100, 30 * 86_400_000],
    ['WEBHOOK_DISABLE_AFTER_MS', 'webhooks.disableAfterMs', 86_400_000, 100, 30 * 86_400_000],
    ['WEBHOOK_CONCURRENCY', 'webhooks.concurrency', 16, 1, 256],
  ] as const)('given %s, then it sets %s: default %d, allowed from %d to %d and refused one past either end', (name, key, fallback, min, max) => {
    expect(at(loadConfig({}), key)).toBe(fallback);
    expect(at(loadConfig({ [name]: '' }), key)).toBe(fallback);
    expect(at(loadConfig({ [name]: String(min) }), key)).toBe(min);
    expect(at(loadConfig({ [name]: String(max) }), key)).toBe(max);
    expect(() => loadConfig({ [name]: String(min - 1) })).toThrow(new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${min - 1}"`));
    expect(() => loadConfig({ [name]: String(max + 1) })).toThrow(`${name} must be an integer between`);
    expect(() => loadConfig({ [name]: '1.5' })).toThrow(`${name} must be an integer`);
  });

  test('given METRICS_PORT unset or set, then /metrics stays on the API port or moves to that port', () => {
    expect(loadConfig({}).metricsPort).toBeUndefined();
    expect(loadConfig({ METRICS_PORT: '9464' }).metricsPort).toBe(9464);
    expect(() => loadConfig({ METRICS_PORT: '65536' })).toThrow('METRICS_PORT must be an integer');
  });
});

describe('switches', () => {
  test.each([
    ['INTROSPECTION', 'introspection', true, false],
    ['EXPLORER', 'explorer', true, false],
    ['EXPOSE_SQL_COUNT', 'exposeSqlCount', true, false],
    ['BLOCK_FIELD_SUGGESTIONS', 'limits.blockFieldSuggestions', false, true],
    ['READ_PLAN', 'readPlan', true, true],
    ['COMPILED_EXECUTION', 'compiledExecution', true, true],
  ] as const)('given %s, then it sets %s (development default %s, production default %s) and reads every spelling of yes and no', (name, key, development, production) => {
    expect(at(loadConfig({}), key)).toBe(development);
    expect(at(loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/g', JWT_SECRET: 'x'.repeat(32) }), key)).toBe(production);
    for (const yes of ['1', 'true', 'yes', 'on', 'TRUE', 'On']) expect(at(loadConfig({ [name]: yes }), key)).toBe(true);
    for (const no of ['0', 'false', 'no', 'off', 'FALSE', 'Off']) expect(at(loadConfig({ [name]: no }), key)).toBe(false);
    expect(at(loadConfig({ [name]: '' }), key)).toBe(development);
    expect(() => loadConfig({ [name]: 'maybe' })).toThrow(new ConfigError(`${name} must be true or false, got "maybe"`));
  });

  test('given DATABASE_URL or DEMO_DATA, then demo data loads only into the embedded database unless asked', () => {
    expect(loadConfig({}).loadDemoData).toBe(true);
    expect(loadConfig({ DATABASE_URL: 'postgres://db/g' }).loadDemoData).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgres://db/g', DEMO_DATA: 'true' }).loadDemoData).toBe(true);
  });
});

describe('addresses, secrets and names', () => {
  test('given nothing, then the service listens everywhere, metrics locally, and tokens carry the platform\'s issuer and audience', () => {
    expect(loadConfig({})).toMatchObject({ host: '0.0.0.0', metricsHost: '127.0.0.1', jwtIssuer: 'gongzhi', jwtAudience: 'gongzhi-api', redisUrl: undefined, metricsToken: undefined });
    expect(loadConfig({ HOST: '127.0.0.1', METRICS_HOST: '0.0.0.0' })).toMatchObject({ host: '127.0.0.1', metricsHost: '0.0.0.0' });
    expect(loadConfig({}).dataDir).toBe(path.resolve('.data'));
    expect(loadConfig({ DATA_DIR: '/tmp/g' }).dataDir).toBe('/tmp/g');
    expect(loadConfig({ WEB_DIR: '/tmp/w' }).webDir).toBe('/tmp/w');
    expect(loadConfig({}).webDir).toBe(path.resolve(__dirname, '../../dist/web'));
  });

  test('given database and Redis URLs, then each accepts its own schemes only', () => {
    expect(loadConfig({ DATABASE_URL: 'postgresql://db/g' }).databaseUrl).toBe('postgresql://db/g');
    expect(loadConfig({ DATABASE_URL: 'postgres://db/g' }).databaseUrl).toBe('postgres://db/g');
    expect(loadConfig({ REDIS_URL: 'rediss://cache:6380' }).redisUrl).toBe('rediss://cache:6380');
    expect(loadConfig({ REDIS_URL: 'redis://cache' }).redisUrl).toBe('redis://cache');
    expect(() => loadConfig({ REDIS_URL: 'http://cache' })).toThrow(new ConfigError('REDIS_URL must use one of redis:, rediss:'));
    expect(() => loadConfig({ DATABASE_URL: 'mysql://db' })).toThrow(new ConfigError('DATABASE_URL must use one of postgres:, postgresql:'));
    expect(loadConfig({ DATABASE_URL: '' }).databaseUrl).toBeUndefined();
  });

  test('given secrets, then short ones are refused at exactly their minimum length', () => {
    expect(loadConfig({ JWT_SECRET: 'x'.repeat(32) }).jwtSecret).toBe('x'.repeat(32));
    expect(() => loadConfig({ JWT_SECRET: 'x'.repeat(31) })).toThrow(new ConfigError('JWT_SECRET must be at least 32 characters'));
    expect(loadConfig({ METRICS_TOKEN: 't'.repeat(16) }).metricsToken).toBe('t'.repeat(16));
    expect(() => loadConfig({ METRICS_TOKEN: 't'.repeat(15) })).toThrow(new ConfigError('METRICS_TOKEN must be at least 16 characters'));
    expect(loadConfig({ METRICS_TOKEN: '' }).metricsToken).toBeUndefined();
  });

  test('given each log level, then it is kept; tests are silent and everything else logs info by default', () => {
    for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) expect(loadConfig({ LOG_LEVEL: level }).logLevel).toBe(level);
    expect(loadConfig({}).logLevel).toBe('info');
    expect(loadConfig({ NODE_ENV: 'test' }).logLevel).toBe('silent');
    expect(() => loadConfig({ LOG_LEVEL: 'verbose' })).toThrow(new ConfigError('LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent'));
    for (const nodeEnv of ['development', 'test']) expect(loadConfig({ NODE_ENV: nodeEnv }).nodeEnv).toBe(nodeEnv);
    expect(() => loadConfig({ NODE_ENV: 'prod' })).toThrow(new ConfigError('NODE_ENV must be development, production or test, got "prod"'));
  });

  test('given webhook networks, then addresses and CIDR ranges are kept and anything else is refused', () => {
    expect(loadConfig({}).webhooks.allowedNetworks).toEqual([]);
    expect(loadConfig({ WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/32, 10.0.0.0/8,::1' }).webhooks.allowedNetworks).toEqual(['127.0.0.1/32', '10.0.0.0/8', '::1']);
    expect(loadConfig({ WEBHOOK_ALLOWED_NETWORKS: 'fd00::/128' }).webhooks.allowedNetworks).toEqual(['fd00::/128']);
    for (const bad of ['10.0.0.0/33', 'fd00::/129', 'intranet', '10.0.0.0/x']) {
      expect(() => loadConfig({ WEBHOOK_ALLOWED_NETWORKS: bad })).toThrow(`WEBHOOK_ALLOWED_NETWORKS holds "${bad}"`);
    }
  });
});
