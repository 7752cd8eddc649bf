import Redis from 'ioredis';
import { GraphQLError } from 'graphql';
import { RateLimiterPostgres, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { DataSource } from 'typeorm';
import type { Config } from '../../shared/config';
import type { Logger } from '../../shared/logger';

/** Failed sign-ins are counted over this window, and a key over its limit waits out the rest of it. */
const ACCOUNT_WINDOW_SECONDS = 15 * 60;
const ADDRESS_WINDOW_SECONDS = 60 * 60;

export const RATE_LIMITED = 'RATE_LIMITED';

export function rateLimited(retryAfterSeconds: number): GraphQLError {
  return new GraphQLError(`Too many failed sign-in attempts. Retry after ${retryAfterSeconds} seconds.`, {
    extensions: { code: RATE_LIMITED, retryAfterSeconds, http: { status: 429, headers: new Map([['retry-after', String(retryAfterSeconds)]]) } },
  });
}

/**
 * Throttles failed sign-ins (`authLogin`, `authTokenForClient`, `authRefresh`)
 * per account (e-mail or client id, known or not, so the answer says nothing
 * about which exist) and per client address. Counters live in PostgreSQL
 * (table sign_in_throttle, through the main pool) or in Redis when
 * REDIS_URL is set, so every process of a deployment counts the same attempts.
 *
 * An attempt takes a point from both counters before the credentials are
 * checked (atomic in the store, so parallel guesses cannot all slip under the
 * limit); a successful one gives them back, so only failures count. A key
 * past its limit is refused, right credentials included, until its window
 * ends: that is what makes guessing slow.
 */
export class SignInThrottle {
  private constructor(
    private readonly perAccount: RateLimiterAbstract,
    private readonly perAddress: RateLimiterAbstract,
    private readonly redis: Redis | null,
  ) {}

  static async create(config: Config, db: DataSource, log: Logger): Promise<SignInThrottle> {
    const account = { points: config.signInMaxFailuresPerAccount, duration: ACCOUNT_WINDOW_SECONDS, keyPrefix: 'account' };
    const address = { points: config.signInMaxFailuresPerAddress, duration: ADDRESS_WINDOW_SECONDS, keyPrefix: 'address' };
    if (config.redisUrl) {
      const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: false });
      redis.on('error', (err) => log.warn({ err }, 'redis error (sign-in throttle)'));
      try {
        await redis.connect();
      } catch (error) {
        redis.disconnect();
        throw new Error(`cannot connect to REDIS_URL: ${(error as Error).message}`);
      }
      return new SignInThrottle(new RateLimiterRedis({ storeClient: redis, ...account }), new RateLimiterRedis({ storeClient: redis, ...address }), redis);
    }
    // The driver's pg Pool: the throttle shares the main pool instead of opening connections of its own.
    const pool = (db.driver as unknown as { master: unknown }).master;
    // The table comes from a migration (1764609000001); expired rows are swept by the auth-sweep job (auth.jobs.ts).
    const store = { storeClient: pool, storeType: 'pool', tableName: 'sign_in_throttle', tableCreated: true, clearExpiredByTimeout: false };
    return new SignInThrottle(new RateLimiterPostgres({ ...store, ...account }), new RateLimiterPostgres({ ...store, ...address }), null);
  }

  /**
   * Takes one attempt from the account's and the address's allowance, or
   * throws RATE_LIMITED with the seconds to wait. Call `succeeded` when the
   * credentials were right.
   */
  async attempt(account: string, address: string | null): Promise<void> {
    const keys = this.keys(account, address);
    const results = await Promise.allSettled([this.perAccount.consume(keys.account), keys.address ? this.perAddress.consume(keys.address) : Promise.resolve(null)]);
    const refusals = results.flatMap((r) => (r.status === 'rejected' && r.reason instanceof RateLimiterRes ? [r.reason] : []));
    const failure = results.find((r) => r.status === 'rejected' && !(r.reason instanceof RateLimiterRes));
    // A store that cannot answer is an outage (503), not a pass: sign-in does not go unthrottled.
    if (failure) throw (failure as PromiseRejectedResult).reason;
    if (refusals.length > 0) throw rateLimited(Math.max(1, ...refusals.map((r) => Math.ceil(r.msBeforeNext / 1000))));
  }

  /** Gives the attempt back: right credentials are not failures. */
  async succeeded(account: string, address: string | null): Promise<void> {
    const keys = this.keys(account, address);
    await Promise.all([this.perAccount.delete(keys.account), keys.address ? this.perAddress.reward(keys.address, 1) : null]);
  }

  async close(): Promise<void> {
    await this.redis?.quit().catch(() => this.redis?.disconnect());
  }

  private keys(account: string, address: string | null) {
    return { account: account.trim().toLowerCase().slice(0, 200), address: address ? address.slice(0, 100) : null };
  }
}
