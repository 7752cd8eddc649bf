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

/** LISTEN on a dedicated connection; writers NOTIFY inside their transaction, so a wake-up means a commit. */
export class PostgresWakeTransport implements WakeTransport {
  private client: Client | null = null;
  private stopped = false;
  private onWake: () => void = () => {};

  constructor(
    private readonly url: string,
    private readonly log: Logger,
  ) {}

  async start(onWake: () => void): Promise<void> {
    this.onWake = onWake;
    await this.connect();
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.url, application_name: 'gongzhi-listen' });
    client.on('notification', () => this.onWake());
    client.on('error', (err) => {
      this.log.warn({ err }, 'event listener connection lost; reconnecting');
      this.client = null;
      client.end().catch(() => {});
      if (!this.stopped) setTimeout(() => this.connect().catch(() => {}), 1000).unref();
    });
    await client.connect();
    await client.query(`LISTEN ${EVENT_CHANNEL}`);
    this.client = client;
    // Something may have committed while we were not listening.
    this.onWake();
  }

  async publish(): Promise<void> {}

  async stop(): Promise<void> {
    this.stopped = true;
    await this.client?.end().catch(() => {});
    this.client = null;
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
