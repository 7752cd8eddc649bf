import net from 'node:net';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { createLogger, type Logger } from '../../src/shared/logger';
import type { AppServices } from '../../src/shared/context';
import { EVENT_CHANNEL, EventBus } from '../../src/shared/events/event-bus';
import type { EventRecord } from '../../src/shared/events/event.entity';
import { LISTEN_BACKOFF, PostgresWakeTransport, RedisWakeTransport, backoffDelay, type WakeTransport } from '../../src/shared/events/transports';
import '../../src/shared/events/retention';
import { Scheduler } from '../../src/shared/scheduler';
import { eventsDispatched } from '../../src/shared/metrics';
import { openTestDataSource, type TestDatabase } from '../support/server';
import { sleep, until } from '../support/wait';
import { test } from '../support/mutation-run';

/**
 * The per-process dispatcher and what wakes it, on a real PostgreSQL (and
 * Redis), without the rest of the server: the log is read after the last
 * dispatched id, in pages, in order, to the subscribers of each topic; the
 * LISTEN connection comes back after it is cut, with bounded, jittered
 * backoff; retention deletes old events and never moves the pruned point back.
 */

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let database: TestDatabase;
let db: DataSource;
let closeDatabase: (() => Promise<void>) | undefined;
let side: Client;

/** What the code under test logged, by level. */
const logged: { level: string; fields: Record<string, unknown>; message: string }[] = [];
function recordingLogger(): Logger {
  const log = createLogger('silent');
  for (const level of ['debug', 'info', 'warn', 'error'] as const) {
    log[level] = ((fields: Record<string, unknown>, message: string) => void logged.push({ level, fields, message })) as Logger['info'];
  }
  return log;
}

/** A transport the test drives by hand: it records what the bus asks of it. */
class HandTransport implements WakeTransport {
  onWake: (() => void) | null = null;
  published = 0;
  stopped = 0;
  publishFails = false;
  async start(onWake: () => void): Promise<void> {
    this.onWake = onWake;
  }
  async publish(): Promise<void> {
    this.published += 1;
    if (this.publishFails) throw new Error('publish refused');
  }
  async stop(): Promise<void> {
    this.stopped += 1;
  }
}

/** An error with a message (errors raised inside libraries may come from another realm than this file's Error). */
const isError = (value: unknown): boolean => typeof (value as Error | undefined)?.message === 'string';

/** Inserts `n` events of `topic` as a writer would (without the wake-up), returning their ids in order. */
async function insertEvents(topic: string, n = 1): Promise<string[]> {
  const { rows } = await side.query(
    `INSERT INTO event (topic, type, organization_ids, payload) SELECT $1, 'test.happened', '{}', jsonb_build_object('n', g) FROM generate_series(1, $2::int) g RETURNING id::text`,
    [topic, n],
  );
  return rows.map((r) => r.id as string);
}

const dispatchedCount = async (): Promise<number> => (await eventsDispatched.get()).values[0]?.value ?? 0;

/** A subscriber that records the ids it is handed. */
function recorder(topic: string) {
  const ids: string[] = [];
  return { ids, subscriber: { topic, push: (event: EventRecord) => void ids.push(event.id) } };
}

const buses: EventBus[] = [];
/** A started bus on a hand transport; stopped after the test. The poll is long unless a test wants it. */
async function startBus(pollMs = 600_000): Promise<{ bus: EventBus; transport: HandTransport }> {
  const transport = new HandTransport();
  const bus = new EventBus(db, transport, recordingLogger(), pollMs);
  buses.push(bus);
  await bus.start();
  return { bus, transport };
}

beforeAll(async () => {
  ({ database, db, close: closeDatabase } = await openTestDataSource(4));
  side = new Client({ connectionString: database.url });
  await side.connect();
}, 60_000);
afterAll(async () => {
  await side?.end();
  await closeDatabase?.();
});
beforeEach(() => {
  logged.length = 0;
});
afterEach(async () => {
  for (const bus of buses.splice(0)) await bus.stop();
});

describe('EventBus', () => {
  test('given new events whose rows lie out of id order in the table, when the bus reads them, then it hands them over in id order', async () => {
    const { transport, bus } = await startBus();
    const seen = recorder('bus-heap-order');
    bus.subscribe(seen.subscriber);
    const ids = await insertEvents('bus-heap-order', 3);
    // An updated row is written anew after the others: a read without ORDER BY would return the first event last.
    await side.query(`UPDATE event SET payload = payload || '{"moved": true}' WHERE id = $1`, [ids[0]]);
    transport.onWake!();
    await until(() => seen.ids.length === 3);

    expect(seen.ids).toEqual(ids);
  });

  test('given events already in the log, when the bus starts, then its cursor is the newest id and it hands over only what commits later', async () => {
    const before = await insertEvents('bus-start', 2);
    const { bus, transport } = await startBus();
    const seen = recorder('bus-start');
    bus.subscribe(seen.subscriber);

    expect(bus.dispatchedCursor).toBe(before[1]);
    const later = await insertEvents('bus-start', 1);
    transport.onWake!();
    await until(() => seen.ids.length === 1);
    await sleep(50);

    expect(seen.ids).toEqual(later);
    expect(bus.dispatchedCursor).toBe(later[0]);
  });

  test('given subscribers of two topics and a hook, when woken, then each subscriber gets its topic in id order, the hook sees the whole run before any subscriber, and the cursor and metric move', async () => {
    const { bus } = await startBus();
    const a = recorder('bus-a');
    const b = recorder('bus-b');
    const order: string[] = [];
    bus.onEvent((event) => order.push(`hook:${event.id}`));
    bus.subscribe({ topic: 'bus-a', push: (event) => order.push(`a:${event.id}`) });
    bus.subscribe(a.subscriber);
    bus.subscribe(b.subscriber);
    const dispatchedBefore = await dispatchedCount();

    const first = await insertEvents('bus-a', 2);
    const second = await insertEvents('bus-b', 1);
    const third = await insertEvents('bus-a', 1);
    bus.wake();
    await until(() => a.ids.length + b.ids.length === 4);

    expect(a.ids).toEqual([...first, ...third]);
    expect(b.ids).toEqual(second);
    expect(order).toEqual([`hook:${first[0]}`, `hook:${first[1]}`, `hook:${second[0]}`, `hook:${third[0]}`, `a:${first[0]}`, `a:${first[1]}`, `a:${third[0]}`]);
    expect(bus.dispatchedCursor).toBe(third[0]);
    expect((await dispatchedCount()) - dispatchedBefore).toBe(4);
    expect(bus.subscriberCount()).toBe(3);
  });

  test('given three subscribers and a run of three events, when woken, then each subscriber is handed the whole run at once (one socket write for a subscriber that is behind), in id order', async () => {
    const { bus } = await startBus();
    const order: string[] = [];
    for (const name of ['s1', 's2', 's3']) bus.subscribe({ topic: 'bus-run', push: (event) => order.push(`${name}:${event.id}`) });

    const run = await insertEvents('bus-run', 3);
    bus.wake();
    await until(() => order.length === 9);

    expect(order).toEqual(['s1', 's2', 's3'].flatMap((name) => run.map((id) => `${name}:${id}`)));
  });

  test('given 200 subscribers and a run of two events, when woken, then the event loop gets a turn once 256 events have been handed out (after the 128th subscriber, never inside one) and everyone still gets both in order', async () => {
    const { bus } = await startBus();
    const handed: string[] = [];
    let handedBeforeFirstTurn: number | null = null;
    const received = new Map<number, string[]>();
    for (let i = 0; i < 200; i++) {
      received.set(i, []);
      bus.subscribe({
        topic: 'bus-waves',
        push: (event) => {
          if (handed.length === 0) setImmediate(() => (handedBeforeFirstTurn = handed.length));
          handed.push(event.id);
          received.get(i)!.push(event.id);
        },
      });
    }

    const run = await insertEvents('bus-waves', 2);
    bus.wake();
    await until(() => handed.length === 400);

    expect(handedBeforeFirstTurn).toBe(256);
    expect([...received.values()].every((ids) => ids.join() === run.join())).toBe(true);
  });

  test('given more than a page of events, when woken once, then all are handed over in order in 500-row pages', async () => {
    const { bus } = await startBus();
    const seen = recorder('bus-pages');
    bus.subscribe(seen.subscriber);
    const ids = await insertEvents('bus-pages', 1000);
    bus.wake();
    await until(() => seen.ids.length >= 1000);
    await sleep(100);

    expect(seen.ids).toEqual(ids);
    expect(bus.dispatchedCursor).toBe(ids[999]);
  });

  test('given a delivery hook, when a run of events is dispatched, then the hook gets at once, before any of them is pushed, those with subscribers here, in runs of at most 100', async () => {
    const { bus } = await startBus();
    const order: string[] = [];
    const runs: string[][] = [];
    bus.beforeDelivery(async (events) => {
      runs.push(events.map((e) => e.id));
      order.push(`hook:${events.length}`);
      await sleep(20);
    });
    bus.subscribe({ topic: 'bus-run', push: (event) => order.push(`push:${event.id}`) });
    const watched = await insertEvents('bus-run', 3);
    await insertEvents('bus-unwatched', 2);
    const more = await insertEvents('bus-run', 150);
    bus.wake();
    await until(() => order.filter((o) => o.startsWith('push:')).length === 153);
    await sleep(50);

    // 155 rows in one page: a run of 100 (3 + 2 unwatched + 95) and a run of 55.
    expect(runs).toEqual([[...watched, ...more.slice(0, 95)], more.slice(95)]);
    expect(order.slice(0, 2)).toEqual(['hook:98', `push:${watched[0]}`]);
    expect(order.indexOf('hook:55')).toBe(99);
    expect(order.filter((o) => o.startsWith('push:'))).toEqual([...watched, ...more].map((id) => `push:${id}`));
  });

  test('given events nobody here subscribes to, when dispatched, then the delivery hook is not called', async () => {
    const { bus } = await startBus();
    let called = 0;
    bus.beforeDelivery(async () => void called++);
    const seen = recorder('bus-hooked');
    bus.subscribe(seen.subscriber);
    const unwatched = await insertEvents('bus-nobody', 3);
    bus.wake();
    await until(() => bus.dispatchedCursor === unwatched[2]);
    expect(called).toBe(0);

    const last = await insertEvents('bus-hooked', 1);
    bus.wake();
    await until(() => seen.ids.length === 1);
    expect(called).toBe(1);
    expect(seen.ids).toEqual(last);
  });

  test('given a delivery hook that fails, when events are dispatched, then it is logged and every event is still delivered', async () => {
    const { bus } = await startBus();
    bus.beforeDelivery(async () => {
      throw new Error('prefetch refused');
    });
    const seen = recorder('bus-hook-fails');
    bus.subscribe(seen.subscriber);
    const ids = await insertEvents('bus-hook-fails', 2);
    bus.wake();
    await until(() => seen.ids.length === 2);

    expect(seen.ids).toEqual(ids);
    // With the error itself, or the log says only that something failed.
    expect(logged).toContainEqual({ level: 'warn', message: 'event delivery hook failed', fields: { err: expect.objectContaining({ message: 'prefetch refused' }) } });
  });

  test('given an unsubscribed subscriber, when events come, then it gets nothing more while the others still do', async () => {
    const { bus } = await startBus();
    const gone = recorder('bus-unsub');
    const stays = recorder('bus-unsub');
    const unsubscribe = bus.subscribe(gone.subscriber);
    bus.subscribe(stays.subscriber);
    expect(bus.subscriberCount()).toBe(2);

    unsubscribe();
    const ids = await insertEvents('bus-unsub', 1);
    bus.wake();
    await until(() => stays.ids.length === 1);

    expect(gone.ids).toEqual([]);
    expect(stays.ids).toEqual(ids);
    expect(bus.subscriberCount()).toBe(1);
  });

  test('given wakes during a dispatch, when it ends, then the bus reads the log once more (not once per wake), and never twice at the same time', async () => {
    const { bus } = await startBus();
    const seen = recorder('bus-again');
    bus.subscribe(seen.subscriber);
    const ids = await insertEvents('bus-again', 3);
    // Each read of the log is a logged statement over the event table after a cursor: count them.
    const logged = jest.spyOn(db.logger, 'logQuery');
    try {
      bus.wake();
      bus.wake();
      bus.wake();
      await until(() => seen.ids.length === 3);
      await sleep(200);
      const reads = logged.mock.calls.filter(([sql]) => /FROM event e WHERE e\.id > \$1/.test(sql));
      expect(reads).toHaveLength(2);
    } finally {
      logged.mockRestore();
    }
    expect(seen.ids).toEqual(ids);
  });

  test('given a dispatch that fails, when it fails, then it is logged and the next wake hands over from where it stopped', async () => {
    const { bus } = await startBus();
    const seen = recorder('bus-fail');
    let failOnce = true;
    bus.onEvent(() => {
      if (failOnce) {
        failOnce = false;
        throw new Error('hook broke');
      }
    });
    bus.subscribe(seen.subscriber);
    const ids = await insertEvents('bus-fail', 2);
    bus.wake();
    await until(() => logged.some((l) => l.level === 'error'));

    expect(logged).toEqual([{ level: 'error', fields: { err: new Error('hook broke') }, message: 'event dispatch failed' }]);
    expect(seen.ids).toEqual([]);
    bus.wake();
    await until(() => seen.ids.length === 2);
    expect(seen.ids).toEqual(ids);
  });

  test('given a local commit, when committed() is called, then the bus reads at once and asks the transport to tell other processes; a refused publish is logged', async () => {
    const { bus, transport } = await startBus();
    const seen = recorder('bus-commit');
    bus.subscribe(seen.subscriber);
    const ids = await insertEvents('bus-commit', 1);
    bus.committed();
    await until(() => seen.ids.length === 1);
    expect(seen.ids).toEqual(ids);
    expect(transport.published).toBe(1);
    expect(logged).toEqual([]);

    transport.publishFails = true;
    bus.committed();
    await until(() => logged.length > 0);
    expect(logged).toEqual([{ level: 'warn', fields: { err: new Error('publish refused') }, message: 'event wake-up publish failed' }]);
  });

  test('given no wake-up at all, when the poll interval passes, then the bus reads the log by itself; after stop() it reads no more and the transport is stopped', async () => {
    const { bus, transport } = await startBus(100);
    const seen = recorder('bus-poll');
    bus.subscribe(seen.subscriber);
    const ids = await insertEvents('bus-poll', 1);
    await until(() => seen.ids.length === 1);
    expect(seen.ids).toEqual(ids);

    await bus.stop();
    expect(transport.stopped).toBe(1);
    await insertEvents('bus-poll', 1);
    bus.wake();
    transport.onWake!();
    await sleep(400);
    expect(seen.ids).toEqual(ids);
  });

  test('given a dispatch under way, when stop() is called, then it waits for that dispatch to finish', async () => {
    const { bus } = await startBus();
    const seen = recorder('bus-stop');
    bus.subscribe(seen.subscriber);
    const ids = await insertEvents('bus-stop', 700);
    bus.wake();
    await bus.stop();
    expect(seen.ids).toEqual(ids);
  });
});

describe('backoffDelay', () => {
  test('given successive attempts, when drawn at both ends of the jitter, then the ceiling doubles from the first delay up to the cap and each delay lies in its upper half', () => {
    const low = () => 0;
    const high = () => 1;
    const ceilings = [250, 500, 1000, 2000, 4000, 5000, 5000];
    expect(LISTEN_BACKOFF).toEqual({ firstMs: 250, capMs: 5_000 });
    expect(ceilings.map((_, attempt) => backoffDelay(attempt, low))).toEqual(ceilings.map((c) => c / 2));
    expect(ceilings.map((_, attempt) => backoffDelay(attempt, high))).toEqual(ceilings);
    expect(backoffDelay(20, high)).toBe(5000);
    expect(backoffDelay(1, () => 0.5)).toBe(375);
    expect(backoffDelay(0, () => 0.3)).toBe(Math.round(125 + 0.3 * 125));
  });

  test('given no random source, when drawn, then Math.random supplies the jitter', () => {
    const spy = jest.spyOn(Math, 'random').mockReturnValue(0.5);
    try {
      expect(backoffDelay(2)).toBe(750);
    } finally {
      spy.mockRestore();
    }
  });
});

/** The backend of the LISTEN connection, as PostgreSQL lists it. */
const listenBackends = async (): Promise<number[]> =>
  (await side.query(`SELECT pid FROM pg_stat_activity WHERE application_name = 'gongzhi-listen' AND datname = current_database()`)).rows.map((r) => r.pid);
/** Opens or shuts the test database to new connections (asked from the server's admin database: not allowed from inside). */
async function allowConnections(allow: boolean): Promise<void> {
  const name = (await side.query('SELECT current_database() AS d')).rows[0].d;
  const admin = new Client({ connectionString: process.env.GONGZHI_TEST_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS ${allow}`);
  } finally {
    await admin.end();
  }
}
const notify = () => side.query(`SELECT pg_notify($1, '')`, [EVENT_CHANNEL]);

/** A PostgreSQL wire message: type byte, length, body. */
function wireMessage(type: string, body: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeInt32BE(body.length + 4);
  return Buffer.concat([Buffer.from(type), length, body]);
}
const errorResponse = (severity: string, code: string, message: string) =>
  wireMessage('E', Buffer.from(`S${severity}\0V${severity}\0C${code}\0M${message}\0\0`));

/**
 * Just enough of a PostgreSQL server to be a hot standby: it lets a client in without a password, answers every
 * query with "cannot execute LISTEN during recovery" and, when the client says goodbye, sends the FATAL of a
 * server shutting down before closing (the order a standby stopping under a client can produce).
 */
async function refusingListenServer(): Promise<{ port: number; readonly fatalSent: boolean; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let fatalSent = false;
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    let started = false;
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      if (!started) {
        started = true;
        const authenticationOk = wireMessage('R', Buffer.from([0, 0, 0, 0]));
        socket.write(Buffer.concat([authenticationOk, wireMessage('Z', Buffer.from('I'))]));
        return;
      }
      if (chunk[0] === 'Q'.charCodeAt(0)) socket.write(Buffer.concat([errorResponse('ERROR', '25006', 'cannot execute LISTEN during recovery'), wireMessage('Z', Buffer.from('I'))]));
      if (chunk[0] === 'X'.charCodeAt(0)) {
        socket.end(errorResponse('FATAL', '57P01', 'terminating connection due to administrator command'));
        fatalSent = true;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get fatalSent() {
      return fatalSent;
    },
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('PostgresWakeTransport', () => {
  let transport: PostgresWakeTransport | null = null;
  let random: jest.SpyInstance | null = null;
  afterEach(async () => {
    await transport?.stop();
    transport = null;
    random?.mockRestore();
    random = null;
    await allowConnections(true);
  });

  test('given a started listener, when a writer notifies, then it wakes once for the connection and once per notification', async () => {
    let wakes = 0;
    transport = new PostgresWakeTransport(database.url, recordingLogger());
    expect(transport.connected).toBe(false);
    await transport.start(() => wakes++);
    expect(transport.connected).toBe(true);
    expect(wakes).toBe(1);
    expect(await listenBackends()).toHaveLength(1);

    await notify();
    await until(() => wakes === 2);
    await notify();
    await until(() => wakes === 3);
    await transport.publish();
    await sleep(100);
    expect(wakes).toBe(3);
  });

  test('given the listen connection terminated, when it comes back after the backoff, then it listens again, wakes the dispatcher and counts one reconnection', async () => {
    random = jest.spyOn(Math, 'random').mockReturnValue(0);
    let wakes = 0;
    transport = new PostgresWakeTransport(database.url, recordingLogger());
    await transport.start(() => wakes++);
    const [pid] = await listenBackends();

    await side.query('SELECT pg_terminate_backend($1)', [pid]);
    await until(() => !transport!.connected);
    await until(() => transport!.reconnects === 1);

    expect(transport.connected).toBe(true);
    expect(wakes).toBe(2);
    const backends = await listenBackends();
    expect(backends).toHaveLength(1);
    expect(backends[0]).not.toBe(pid);
    expect(logged.map((l) => [l.level, l.message])).toEqual([
      ['warn', 'event listener connection lost; reconnecting'],
      ['info', 'event listener reconnected'],
    ]);
    expect(isError(logged[0].fields.err)).toBe(true);
    expect(logged[1].fields).toEqual({ attempts: 1 });
    await notify();
    await until(() => wakes === 3);
    await sleep(300);
    expect(transport.reconnects).toBe(1);
  });

  test('given the database refusing connections for a while, when the listener retries, then it backs off, keeps trying and counts the attempts until it is back; the count starts again after that', async () => {
    random = jest.spyOn(Math, 'random').mockReturnValue(0);
    let wakes = 0;
    transport = new PostgresWakeTransport(database.url, recordingLogger());
    await transport.start(() => wakes++);
    await allowConnections(false);
    await side.query('SELECT pg_terminate_backend($1)', await listenBackends());
    await until(() => logged.filter((l) => l.level === 'debug').length >= 2);
    expect(transport.connected).toBe(false);
    await allowConnections(true);
    await until(() => transport!.reconnects === 1);

    const failed = logged.filter((l) => l.level === 'debug');
    expect(failed.every((l) => isError(l.fields.err))).toBe(true);
    expect(failed.slice(0, 2).map((l) => [l.message, l.fields.attempt])).toEqual([
      ['event listener reconnect failed; retrying', 1],
      ['event listener reconnect failed; retrying', 2],
    ]);
    const back = logged.find((l) => l.level === 'info')!;
    expect(back.fields.attempts).toBe(failed.length + 1);
    expect(wakes).toBe(2);

    // Attempts start from the first delay again: the next cut is logged as one attempt.
    logged.length = 0;
    await side.query('SELECT pg_terminate_backend($1)', await listenBackends());
    await until(() => transport!.reconnects === 2);
    expect(logged.find((l) => l.level === 'info')!.fields).toEqual({ attempts: 1 });
  });

  test('given a cut listener waiting for its retry, when stopped, then it does not reconnect', async () => {
    transport = new PostgresWakeTransport(database.url, recordingLogger());
    await transport.start(() => {});
    await side.query('SELECT pg_terminate_backend($1)', await listenBackends());
    await until(() => !transport!.connected);
    await transport.stop();
    await sleep(LISTEN_BACKOFF.firstMs + 300);

    expect(transport.reconnects).toBe(0);
    expect(transport.connected).toBe(false);
    expect(await listenBackends()).toEqual([]);
  });

  test('given a reconnection under way, when stopped before it completes, then the new connection is closed and neither logged nor counted as a reconnection', async () => {
    random = jest.spyOn(Math, 'random').mockReturnValue(0);
    transport = new PostgresWakeTransport(database.url, recordingLogger());
    await transport.start(() => {});
    // Hold the next connection attempt until the listener has been stopped.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let attempts = 0;
    const connect = Client.prototype.connect as unknown as (this: Client) => Promise<void>;
    const held = jest.spyOn(Client.prototype, 'connect').mockImplementation(async function (this: Client) {
      attempts += 1;
      await gate;
      return connect.call(this);
    } as unknown as typeof Client.prototype.connect);
    try {
      await side.query('SELECT pg_terminate_backend($1)', await listenBackends());
      await until(() => attempts === 1);
      await transport.stop();
      release();
      await sleep(300);
    } finally {
      held.mockRestore();
      release();
    }

    expect(transport.reconnects).toBe(0);
    expect(transport.connected).toBe(false);
    expect(logged.filter((l) => l.level === 'info')).toEqual([]);
    expect(await listenBackends()).toEqual([]);
  });

  test('given a listener still connecting, when stopped, then the connection it opens is closed and nothing listens', async () => {
    transport = new PostgresWakeTransport(database.url, recordingLogger());
    let wakes = 0;
    const starting = transport.start(() => wakes++);
    await transport.stop();
    await starting;
    await sleep(100);

    expect(transport.connected).toBe(false);
    expect(wakes).toBe(0);
    expect(await listenBackends()).toEqual([]);
  });

  test('given a running listener, when stopped, then its connection is closed', async () => {
    transport = new PostgresWakeTransport(database.url, recordingLogger());
    await transport.start(() => {});
    await transport.stop();
    await until(async () => (await listenBackends()).length === 0);
    expect(transport.connected).toBe(false);
    await sleep(LISTEN_BACKOFF.firstMs + 200);
    expect(await listenBackends()).toEqual([]);
    expect(logged).toEqual([]);
  });

  test('given a server that refuses LISTEN (a standby) and then says it is shutting down, when started, then start fails and the late FATAL is no unhandled error', async () => {
    const server = await refusingListenServer();
    try {
      const refused = new PostgresWakeTransport(`postgres://postgres@127.0.0.1:${server.port}/standby`, recordingLogger());
      await expect(refused.start(() => {})).rejects.toThrow('cannot execute LISTEN during recovery');
      // The abandoned client receives the FATAL after start() gave up on it: with no error listener left,
      // pg's error event would be thrown from the socket's data handler and fail this test.
      await until(async () => server.fatalSent);
      await sleep(50);
      expect(refused.connected).toBe(false);
    } finally {
      await server.close();
    }
  });

  test('given an unreachable database, when started, then start fails', async () => {
    const unreachable = new PostgresWakeTransport('postgres://postgres@127.0.0.1:1/none', recordingLogger());
    await expect(unreachable.start(() => {})).rejects.toThrow();
    expect(unreachable.connected).toBe(false);
  });
});

describe('RedisWakeTransport', () => {
  test('given processes on Redis, when one publishes, then the others wake; each wakes once on start; a stopped one neither wakes nor publishes', async () => {
    const wakes = { a: 0, b: 0, c: 0 };
    const a = new RedisWakeTransport(REDIS_URL, recordingLogger());
    const b = new RedisWakeTransport(REDIS_URL, recordingLogger());
    const c = new RedisWakeTransport(REDIS_URL, recordingLogger());
    try {
      await a.start(() => wakes.a++);
      await b.start(() => wakes.b++);
      expect(wakes).toEqual({ a: 1, b: 1, c: 0 });

      await a.publish();
      await until(() => wakes.b === 2 && wakes.a === 2);

      await a.stop();
      await c.start(() => wakes.c++);
      await expect(a.publish()).rejects.toThrow();
      await c.publish();
      await until(() => wakes.b === 3 && wakes.c === 2);
      await sleep(100);
      expect(wakes).toEqual({ a: 2, b: 3, c: 2 });
    } finally {
      await a.stop();
      await b.stop();
      await c.stop();
    }
  });

  test('given an unreachable Redis, when started, then start fails with a message naming REDIS_URL', async () => {
    const t = new RedisWakeTransport('redis://127.0.0.1:1', recordingLogger());
    await expect(t.start(() => {})).rejects.toThrow(/^cannot connect to REDIS_URL: /);
    expect(logged.some((l) => l.level === 'warn' && l.message === 'redis error' && isError(l.fields.err))).toBe(true);
    // It gave up: no retries keep the process alive.
    const errors = logged.length;
    await sleep(500);
    expect(logged.length).toBe(errors);
  });
});

describe('event retention', () => {
  const DAY = 86_400_000;
  const now = new Date('2026-06-01T00:00:00Z');
  const app = () => ({ db, log: recordingLogger(), config: { eventRetentionDays: 30 } }) as unknown as AppServices;
  const prunedThrough = async () => (await side.query('SELECT pruned_through::text AS p FROM event_log_state')).rows[0].p as string;
  async function insertAt(ageMs: number): Promise<string> {
    const { rows } = await side.query(`INSERT INTO event (topic, type, payload, created_at) VALUES ('retention', 'x', '{}', $1) RETURNING id::text`, [new Date(now.getTime() - ageMs)]);
    return rows[0].id;
  }
  const remaining = async (ids: string[]) => (await side.query('SELECT id::text FROM event WHERE id = ANY($1::bigint[]) ORDER BY id', [ids])).rows.map((r) => r.id);

  test('given events older and younger than the retention period, when the job runs, then the old ones are deleted and the pruned point is the newest deleted id', async () => {
    await side.query('UPDATE event_log_state SET pruned_through = 0');
    const old = [await insertAt(40 * DAY), await insertAt(30 * DAY + 60_000)];
    const young = [await insertAt(30 * DAY - 60_000), await insertAt(DAY)];
    await new Scheduler(app(), () => now).runAll();

    expect(await remaining([...old, ...young])).toEqual(young);
    expect(await prunedThrough()).toBe(old[1]);
    expect(await side.query('SELECT count(*)::int AS n FROM event WHERE id <= $1', [old[1]]).then((r) => r.rows[0].n)).toBe(0);
  });

  test('given nothing older than the period, when the job runs, then nothing is deleted and the pruned point stays', async () => {
    await side.query('UPDATE event_log_state SET pruned_through = 7');
    const young = [await insertAt(DAY)];
    await new Scheduler(app(), () => now).runAll();
    expect(await remaining(young)).toEqual(young);
    expect(await prunedThrough()).toBe('7');
  });

  test('given a pruned point above the old events, when the job runs, then it deletes them and the pruned point does not move back', async () => {
    const old = await insertAt(40 * DAY);
    const high = String(BigInt(old) + 1000n);
    await side.query('UPDATE event_log_state SET pruned_through = $1', [high]);
    await new Scheduler(app(), () => now).runAll();
    expect(await remaining([old])).toEqual([]);
    expect(await prunedThrough()).toBe(high);
    await side.query('UPDATE event_log_state SET pruned_through = 0');
  });
});
