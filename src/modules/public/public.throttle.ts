import { GraphQLError } from 'graphql';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { AppContext } from '../../shared/context';
import type { AppServices } from '../../shared/context';

const WINDOW_SECONDS = 60;
const limiters = new WeakMap<AppServices, RateLimiterPostgres>();

/**
 * Per client address, the public operations' allowance
 * (PUBLIC_MAX_REQUESTS_PER_MINUTE), counted in PostgreSQL (table
 * public_rate_limit, through the main pool) like the sign-in throttle, so
 * every process of a deployment counts the same requests.
 */
function limiterOf(app: AppServices): RateLimiterPostgres {
  let limiter = limiters.get(app);
  if (!limiter) {
    const pool = (app.db.driver as unknown as { master: unknown }).master;
    limiter = new RateLimiterPostgres({
      storeClient: pool,
      storeType: 'pool',
      tableName: 'public_rate_limit',
      tableCreated: true,
      clearExpiredByTimeout: false,
      points: app.config.publicMaxRequestsPerMinute,
      duration: WINDOW_SECONDS,
      keyPrefix: 'public',
    });
    limiters.set(app, limiter);
  }
  return limiter;
}

/** Takes one request from the caller's allowance or refuses with RATE_LIMITED (HTTP 429, Retry-After). */
export async function publicGate(ctx: AppContext): Promise<void> {
  try {
    await limiterOf(ctx.app).consume((ctx.clientAddress ?? 'unknown').slice(0, 100));
  } catch (error) {
    if (!(error instanceof RateLimiterRes)) throw error;
    const retryAfterSeconds = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
    throw new GraphQLError(`Too many requests to the public board. Retry after ${retryAfterSeconds} seconds.`, {
      extensions: { code: 'RATE_LIMITED', retryAfterSeconds, http: { status: 429, headers: new Map([['retry-after', String(retryAfterSeconds)]]) } },
    });
  }
}
