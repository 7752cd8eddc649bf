import { ConfigError, loadConfig } from '../src/shared/config';

describe('configuration', () => {
  test('given no environment, then development defaults with the embedded database', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ nodeEnv: 'development', port: 4000, databaseUrl: undefined, loadDemoData: true, introspection: true });
  });

  test('given no JWT_TTL_SECONDS, then access tokens live 15 minutes: a stolen token is short-lived by default', () => {
    expect(loadConfig({}).jwtTtlSeconds).toBe(900);
    expect(loadConfig({ JWT_TTL_SECONDS: '120' }).jwtTtlSeconds).toBe(120);
    expect(() => loadConfig({ JWT_TTL_SECONDS: '59' })).toThrow('JWT_TTL_SECONDS');
    expect(() => loadConfig({ JWT_TTL_SECONDS: '86401' })).toThrow('JWT_TTL_SECONDS');
  });

  test('given production without DATABASE_URL, then start is refused with a clear message', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) })).toThrow(new ConfigError('DATABASE_URL is required when NODE_ENV=production'));
  });

  test('given production without JWT_SECRET, then start is refused', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/gongzhi' })).toThrow('JWT_SECRET is required');
  });

  test('given production with what it needs, then introspection and demo data are off', () => {
    const config = loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/gongzhi', JWT_SECRET: 'x'.repeat(40) });
    expect(config).toMatchObject({ introspection: false, loadDemoData: false, exposeSqlCount: false });
  });

  test.each([
    [{ PORT: 'eighty' }, 'PORT must be an integer'],
    [{ JWT_SECRET: 'short' }, 'at least 32 characters'],
    [{ DATABASE_URL: 'mysql://db/x' }, 'DATABASE_URL must use one of'],
    [{ REDIS_URL: 'not a url' }, 'REDIS_URL is not a valid URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV must be'],
    [{ INTROSPECTION: 'maybe' }, 'INTROSPECTION must be true or false'],
  ])('given %j, then a ConfigError naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});
