import type { DataSource } from 'typeorm';
import type { Logger } from '../logger';
import { EVENT_ROW_COLUMNS, eventFromRow, type EventRecord, type EventRow } from './event.entity';
import { queryPrepared } from '../database/prepared';
import { requestStorage } from '../request-context';
import type { WakeTransport } from './transports';
import { groupByKey } from '../loaders';
import { eventsDispatched } from '../metrics';

export const EVENT_CHANNEL = 'gongzhi_events';

export interface LiveSubscriber {
  topic: string;
  /** Called in cursor order for every committed event of the topic. Must not throw or block. */
  push(event: EventRecord): void;
}

type EventHook = (event: EventRecord) => void;
type DeliveryHook = (events: EventRecord[]) => Promise<void>;

/**
 * Events handed to the delivery hooks at a time: a page of the log is pushed
 * in runs this long, each after its hooks. Well under the per-event loader
 * cache of the streams (event-stream.ts), so what a hook keeps for a run is
 * still there when the subscribers reach it.
 */
const DELIVERY_RUN = 100;

/** Events handed out per event-loop turn (see pushInWaves). */
const PUSH_WAVE = 256;

/**
 * Hands a run of events to a topic's subscribers a wave at a time, yielding
 * to the event loop in between. Woken all at once, 10,000 subscribers each
 * take one step before any takes the next (promise jobs run first in, first
 * out), so every delivery is half-done at the same moment: the first socket
 * is written only after all of them have been executed, and everything in
 * flight lives long enough to be copied by each garbage collection on the way
 * (most of a fan-out's time went there). A wave finishes, down to its socket
 * writes, while the next is handed the events.
 *
 * Each subscriber gets the whole run in one turn, in order: a WebSocket holds
 * its frames until the end of the turn (see ws.ts), so a subscriber that is
 * behind (a stream of check-in batches) gets the run in one write instead of
 * one per event. With 500 subscribers one write per event per socket was the
 * limit on how fast deliveries could go, and receipt-to-delivery grew without
 * bound while batches kept coming.
 */
async function pushInWaves(set: Set<LiveSubscriber>, events: EventRecord[]): Promise<void> {
  let pushed = 0;
  for (const subscriber of set) {
    for (const event of events) subscriber.push(event);
    pushed += events.length;
    if (pushed >= PUSH_WAVE) {
      pushed = 0;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

/** Events read from the log at a time. */
const LOG_PAGE = 500;

/**
 * The log after a cursor, a page at a time, in id order. Every wake-up of
 * every process runs it: prepared on its connection and mapped by hand, as
 * the query builder spent more on building the statement and hydrating the
 * entities than PostgreSQL did on answering it. Ordered by `e.id`: a bare
 * `id` names the select list's text column, and '1000' sorts before '998'.
 */
async function readLogAfter(db: DataSource, after: string): Promise<EventRecord[]> {
  const rows = await queryPrepared<EventRow>(db, 'event-log-after', `SELECT ${EVENT_ROW_COLUMNS} FROM event e WHERE e.id > $1 ORDER BY e.id LIMIT ${LOG_PAGE}`, [after]);
  return rows.map(eventFromRow);
}

/**
 * The dispatcher of one process. A wake-up (NOTIFY, Redis, a local commit or
 * the fallback poll) makes it read the log after the last id it has seen and
 * hand each event, in order, to local subscribers of its topic. The log is the
 * only source: a lost wake-up delays an event by one poll, never loses it.
 */
export class EventBus {
  private lastId = '0';
  private readonly subscribers = new Map<string, Set<LiveSubscriber>>();
  private readonly hooks: EventHook[] = [];
  private readonly deliveryHooks: DeliveryHook[] = [];
  private pumping: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly db: DataSource,
    private readonly transport: WakeTransport,
    private readonly log: Logger,
    private readonly pollMs: number,
  ) {}

  async start(): Promise<void> {
    const [{ max }] = await this.db.query('SELECT coalesce(max(id), 0)::text AS max FROM event');
    this.lastId = max;
    await this.transport.start(() => this.wake());
    this.timer = setInterval(() => this.wake(), this.pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.transport.stop();
    await this.pumping;
  }

  /** After a local commit: read at once, and tell other processes when the transport does not do it by itself. */
  committed(): void {
    this.wake();
    this.transport.publish().catch((err) => this.log.warn({ err }, 'event wake-up publish failed'));
  }

  subscribe(subscriber: LiveSubscriber): () => void {
    let set = this.subscribers.get(subscriber.topic);
    if (!set) this.subscribers.set(subscriber.topic, (set = new Set()));
    set.add(subscriber);
    return () => {
      set!.delete(subscriber);
    };
  }

  /** Runs for every event before subscribers see it (e.g. to drop cached memberships). */
  onEvent(hook: EventHook): void {
    this.hooks.push(hook);
  }

  /**
   * Awaited before a run of events reaches its subscribers, with those of the
   * run that have subscribers here (never called with none): to read at once
   * what their deliveries will need, instead of one round trip per event while
   * every subscriber waits for it. A hook that fails is logged and costs only
   * that: the deliveries then read for themselves.
   */
  beforeDelivery(hook: DeliveryHook): void {
    this.deliveryHooks.push(hook);
  }

  /** The cursor of the last event this process dispatched. */
  get dispatchedCursor(): string {
    return this.lastId;
  }

  subscriberCount(): number {
    let n = 0;
    for (const set of this.subscribers.values()) n += set.size;
    return n;
  }

  wake(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    // The pump is the process's, not the request's that happened to wake it: its statements count for nobody.
    this.pumping = requestStorage
      .exit(() => this.pump())
      .catch((err) => this.log.error({ err }, 'event dispatch failed'))
      .finally(() => {
        this.pumping = null;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async pump(): Promise<void> {
    for (;;) {
      const rows = await readLogAfter(this.db, this.lastId);
      for (let start = 0; start < rows.length; start += DELIVERY_RUN) {
        const run = rows.slice(start, start + DELIVERY_RUN);
        const watched = run.filter((event) => this.subscribers.get(event.topic)?.size);
        if (watched.length > 0) {
          for (const hook of this.deliveryHooks) await hook(watched).catch((err) => this.log.warn({ err }, 'event delivery hook failed'));
        }
        // Every hook of the run first (a dropped membership is dropped before any of the run is delivered: each
        // event is checked against the viewer as it is now), then each topic's subscribers get their events.
        for (const event of run) for (const hook of this.hooks) hook(event);
        const topics = [...new Set(run.map((event) => event.topic))];
        const runs = groupByKey(topics, run, (event) => event.topic);
        for (const [i, topic] of topics.entries()) {
          const set = this.subscribers.get(topic);
          if (set?.size) await pushInWaves(set, runs[i]);
        }
        this.lastId = run[run.length - 1].id;
      }
      eventsDispatched.inc(rows.length);
      if (rows.length < LOG_PAGE) return;
    }
  }
}
