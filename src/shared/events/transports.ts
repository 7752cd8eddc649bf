import { Client } from 'pg';
import Redis from 'ioredis';
import type { Logger } from '../logger';
import { EVENT_CHANNEL } from './event-bus';

/** Carries "there is something new in the event log" between processes. Carries no event data. */
export interface WakeTransport {
  start(onWake: () => void): Promise<void>;
  publish(): Promise<void>;
  stop(): Promise<void>;
}

/** Reconnect delays of the LISTEN connection: doubling from the first to the cap, each one drawn from its upper half. */
export const LISTEN_BACKOFF = { firstMs: 250, capMs: 5_000 };

export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(LISTEN_BACKOFF.capMs, LISTEN_BACKOFF.firstMs * 2 ** attempt);
  // Jitter: processes that lost the database together do not all knock on it in the same instant.
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * LISTEN on a dedicated connection; writers NOTIFY inside their transaction,
 * so a wake-up means a commit. When the connection is lost (a database
 * restart, a network cut) it is re-established with backoff and jitter for as
 * long as it takes, and every (re)connection wakes the dispatcher, which
 * re-reads the log from its cursor: what committed while nobody listened is
 * delivered then. Meanwhile the dispatcher's poll keeps events flowing.
 */
export class PostgresWakeTransport implements WakeTransport {
  private client: Client | null = null;
  private stopped = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private onWake: () => void = () => {};
  /** Times the listener came back after losing its connection (for metrics and tests). */
  reconnects = 0;

  constructor(
    private readonly url: string,
    private readonly log: Logger,
  ) {}

  get connected(): boolean {
    return this.client !== null;
  }

  async start(onWake: () => void): Promise<void> {
    this.onWake = onWake;
    await this.connect();
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.url, application_name: 'gongzhi-listen', connectionTimeoutMillis: 5_000 });
    const lost = (err?: Error) => {
      if (this.client !== client && this.client !== null) return;
      if (this.client === client) this.log.warn({ err }, 'event listener connection lost; reconnecting');
      this.client = null;
      client.removeAllListeners('notification');
      client.end().catch(() => {});
      this.scheduleReconnect();
    };
    client.on('notification', () => this.onWake());
    client.on('error', lost);
    client.on('end', () => lost());
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENT_CHANNEL}`);
    } catch (error) {
      client.removeAllListeners();
      client.on('error', () => {});
      client.end().catch(() => {});
      throw error;
    }
    if (this.stopped) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    // Something may have committed while we were not listening.
    this.onWake();
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.retryTimer) return;
    const delay = backoffDelay(this.attempt++);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect().then(
        () => {
          if (!this.client) return;
          this.log.info({ attempts: this.attempt }, 'event listener reconnected');
          this.attempt = 0;
          this.reconnects += 1;
        },
        (err) => {
          this.log.debug({ err, attempt: this.attempt }, 'event listener reconnect failed; retrying');
          this.scheduleReconnect();
        },
      );
    }, delay);
    this.retryTimer.unref();
  }

  async publish(): Promise<void> {}

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }
}

/** Redis pub/sub for deployments that already run Redis; writers publish after commit. */
export class RedisWakeTransport implements WakeTransport {
  private readonly subscriber: Redis;
  private readonly publisher: Redis;

  constructor(url: string, log: Logger) {
    const options = { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: false };
    this.subscriber = new Redis(url, options);
    this.publisher = new Redis(url, options);
    for (const client of [this.subscriber, this.publisher]) client.on('error', (err) => log.warn({ err }, 'redis error'));
  }

  async start(onWake: () => void): Promise<void> {
    try {
      await Promise.all([this.subscriber.connect(), this.publisher.connect()]);
    } catch (error) {
      // Without this ioredis keeps retrying and the process never exits.
      this.subscriber.disconnect();
      this.publisher.disconnect();
      throw new Error(`cannot connect to REDIS_URL: ${(error as Error).message}`);
    }
    this.subscriber.on('message', () => onWake());
    // ioredis can drop a SUBSCRIBE sent before the connection is ready (ioredis#2037): connect() above waited for it.
    await this.subscriber.subscribe(EVENT_CHANNEL);
    onWake();
  }

  async publish(): Promise<void> {
    await this.publisher.publish(EVENT_CHANNEL, '');
  }

  async stop(): Promise<void> {
    this.subscriber.disconnect();
    this.publisher.disconnect();
  }
}
