import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { GraphQLError } from 'graphql';
import { createLogger } from '../../src/shared/logger';
import type { AppContext } from '../../src/shared/context';
import { EventBus } from '../../src/shared/events/event-bus';
import type { EventRecord } from '../../src/shared/events/event.entity';
import { assertNotPruned, eventStream, loadersForEvent, mayReceive, parseCursor, type EventFilter } from '../../src/shared/events/event-stream';
import type { WakeTransport } from '../../src/shared/events/transports';
import { LoaderRegistry } from '../../src/shared/loaders';
import { Viewer } from '../../src/shared/auth/viewer';
import { MemberRole } from '../../src/shared/auth/roles';
import { subscriptionEnds } from '../../src/shared/metrics';
import { openTestDataSource, type TestDatabase } from '../support/server';
import { onStatement } from '../support/statements';
import { sleep, until } from '../support/wait';
import { test } from '../support/mutation-run';

/**
 * Subscriptions' event streams on a real PostgreSQL and a real dispatcher,
 * without the rest of the server: replay from a cursor then live, with no gap
 * and no duplicate at the seam; filters applied alike in the replay query and
 * to live events; each event checked against the viewer as of that event; a
 * viewer gone or no longer allowed ends the stream; a consumer too far behind
 * ends with SLOW_CONSUMER; return() leaves at once; a pruned cursor is refused.
 */

let database: TestDatabase;
let db: DataSource;
let closeDatabase: (() => Promise<void>) | undefined;
let side: Client;
let bus: EventBus;

const USER = '11111111-1111-4111-8111-111111111111';
const OTHER_USER = '55555555-5555-4555-8555-555555555555';
const ORG_A = '33333333-3333-4333-8333-333333333333';
const ORG_B = '44444444-4444-4444-8444-444444444444';
const SUBJECT = '66666666-6666-4666-8666-666666666666';
const OTHER_SUBJECT = '77777777-7777-4777-8777-777777777777';
const memberOf = (...orgs: string[]) => Viewer.user(USER, false, new Map(orgs.map((o) => [o, MemberRole.MEMBER])));

/**
 * The viewers service of a subscription, as the test wants it: `current` is
 * who the subject is now (null: gone), `change()` tells the watchers as a
 * revoked membership would.
 */
const viewers = {
  now: null as Viewer | null,
  reads: 0,
  watchers: new Map<string, Set<() => void>>(),
  async current(): Promise<Viewer | null> {
    this.reads += 1;
    return this.now;
  },
  /** As the real service answers while the identity is cached: who the subject is now, without a read. */
  currentIfCached(): Viewer | null | undefined {
    return this.now;
  },
  watch(subject: string, onChange: () => void): () => void {
    let set = this.watchers.get(subject);
    if (!set) this.watchers.set(subject, (set = new Set()));
    set.add(onChange);
    return () => set!.delete(onChange);
  },
  watching(): number {
    let n = 0;
    for (const set of this.watchers.values()) n += set.size;
    return n;
  },
  change(subject: string): void {
    for (const onChange of [...(this.watchers.get(subject) ?? [])]) onChange();
  },
};

const SUBJECT_OF_USER = `user:${USER}`;
function context(viewer: Viewer = memberOf(ORG_A), subject: string | null = SUBJECT_OF_USER): AppContext {
  viewers.now = viewer;
  return {
    app: { db, events: bus, viewers },
    viewer,
    subject,
    requestId: 'req-stream',
    loaders: new LoaderRegistry(),
    log: createLogger('silent'),
  } as unknown as AppContext;
}

const noTransport: WakeTransport = { start: async () => {}, publish: async () => {}, stop: async () => {} };

interface Row {
  type?: string;
  subjectId?: string | null;
  areaPath?: string | null;
  organizationIds?: string[];
  userIds?: string[];
}
/** Commits events of `topic` (visible to ORG_A unless said otherwise) without waking the dispatcher; returns their ids. */
async function insert(topic: string, rows: Row[]): Promise<string[]> {
  const ids: string[] = [];
  for (const row of rows) {
    const { rows: r } = await side.query(
      `INSERT INTO event (topic, type, subject_id, area_path, organization_ids, user_ids, payload) VALUES ($1, $2, $3, $4, $5, $6, '{}') RETURNING id::text`,
      [topic, row.type ?? 'thing.happened', row.subjectId ?? null, row.areaPath ?? null, row.organizationIds ?? [ORG_A], row.userIds ?? []],
    );
    ids.push(r[0].id);
  }
  return ids;
}
async function insertMany(topic: string, n: number): Promise<string[]> {
  const { rows } = await side.query(
    `INSERT INTO event (topic, type, organization_ids, payload) SELECT $1, 'thing.happened', ARRAY[$2::uuid], '{}' FROM generate_series(1, $3::int) RETURNING id::text`,
    [topic, ORG_A, n],
  );
  return rows.map((r) => r.id);
}
/** Commits and lets the dispatcher hand the events over, as a writer's commit would. */
async function publish(topic: string, rows: Row[]): Promise<string[]> {
  const ids = await insert(topic, rows);
  bus.wake();
  await until(() => BigInt(bus.dispatchedCursor) >= BigInt(ids[ids.length - 1]));
  return ids;
}
const newest = async (): Promise<string> => (await side.query('SELECT coalesce(max(id), 0)::text AS m FROM event')).rows[0].m;

/** A read that outlived its wait: the next nextId() continues it instead of losing what it brings. */
const inFlight = new Map<AsyncIterator<EventRecord>, Promise<IteratorResult<EventRecord>>>();
/** The next event's id, or 'none' when nothing comes within `ms`. */
async function nextId(it: AsyncIterator<EventRecord>, ms = 1500): Promise<string> {
  const read = inFlight.get(it) ?? it.next();
  inFlight.set(it, read);
  const result = await Promise.race([read, sleep(ms).then(() => 'none' as const)]);
  if (result === 'none') return 'none';
  inFlight.delete(it);
  return result.done ? 'done' : result.value.id;
}
async function take(it: AsyncIterator<EventRecord>, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await (inFlight.get(it) ?? it.next());
    inFlight.delete(it);
    if (r.done) break;
    ids.push(r.value.id);
  }
  return ids;
}
const codeOf = async (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => 'no error',
    (e: unknown) => (e instanceof GraphQLError ? e.extensions.code : e),
  );
/** The code and message a client would be told. */
const refusal = async (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => 'no error',
    (e: unknown) => (e instanceof GraphQLError ? `${e.extensions.code}: ${e.message}` : e),
  );
const ends = async (reason: string): Promise<number> => (await subscriptionEnds.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;

const open: AsyncIterator<EventRecord>[] = [];
async function subscribe(ctx: AppContext, filter: EventFilter, after: string | null): Promise<AsyncIterator<EventRecord>> {
  const it = await eventStream(ctx, filter, after);
  open.push(it);
  return it;
}

/**
 * A stream without a cursor, its first read under way, returned once it has
 * read its starting point (the only plain query it sends): what commits from
 * then on is the stream's, what committed before is not.
 */
async function subscribeFromNow(ctx: AppContext, filter: EventFilter): Promise<{ it: AsyncIterator<EventRecord>; first: Promise<IteratorResult<EventRecord>> }> {
  const query = db.query.bind(db);
  let cursorRead = false;
  const spy = jest.spyOn(db, 'query').mockImplementation(async (...args: Parameters<DataSource['query']>) => {
    const result = await query(...args);
    cursorRead = true;
    return result;
  });
  try {
    const it = await subscribe(ctx, filter, null);
    const first = it.next();
    await until(() => cursorRead);
    return { it, first };
  } finally {
    spy.mockRestore();
  }
}

beforeAll(async () => {
  ({ database, db, close: closeDatabase } = await openTestDataSource(4));
  side = new Client({ connectionString: database.url });
  await side.connect();
  bus = new EventBus(db, noTransport, createLogger('silent'), 600_000);
  await bus.start();
}, 60_000);
afterAll(async () => {
  await bus?.stop();
  await side?.end();
  await closeDatabase?.();
});
afterEach(async () => {
  // Bounded: a stream that cannot leave must fail its own test, not hang the next ones.
  for (const it of open.splice(0)) await Promise.race([it.return?.(), sleep(2000)]);
  inFlight.clear();
  await side.query('UPDATE event_log_state SET pruned_through = 0');
});

describe('replay then live', () => {
  test('given events after the cursor that this process has not dispatched yet, when the stream replays them and then the dispatcher hands them over live, then each comes once, and later events follow with no gap', async () => {
    const start = await newest();
    const replayed = await insert('seam', [{}, {}]);
    const it = await subscribe(context(), { topic: 'seam' }, start);

    expect(await nextId(it)).toBe(replayed[0]);
    // The dispatcher now hands the same two events to the live queue.
    bus.wake();
    await until(() => BigInt(bus.dispatchedCursor) >= BigInt(replayed[1]));
    expect(await nextId(it)).toBe(replayed[1]);
    const live = await publish('seam', [{}]);
    expect(await nextId(it)).toBe(live[0]);
    expect(await nextId(it, 300)).toBe('none');
  });

  test('given no cursor, when the stream starts, then it delivers only what commits after it started, even what the dispatcher hands over late', async () => {
    const before = await insert('fresh', [{}]);
    const { it, first } = await subscribeFromNow(context(), { topic: 'fresh' });
    bus.wake();
    await until(() => BigInt(bus.dispatchedCursor) >= BigInt(before[0]));
    const after = await publish('fresh', [{}]);
    const got = await first;
    expect(got.done ? 'done' : got.value.id).toBe(after[0]);
    expect(await nextId(it, 300)).toBe('none');
  });

  test("given no cursor, when the stream starts, then the read of the log's newest cursor is the only statement it sends: nothing is replayed", async () => {
    const sent: string[] = [];
    const stopRecording = onStatement(db, (sql) => sent.push(sql));
    try {
      const { it } = await subscribeFromNow(context(), { topic: 'no-replay' });
      // Long enough for a replay read to be sent after the cursor's; the stream then parks on the quiet topic.
      await sleep(200);
      expect(await nextId(it, 100)).toBe('none');
    } finally {
      stopRecording();
    }
    expect(sent).toEqual(['SELECT coalesce(max(id), 0)::text AS max FROM event']);
  });

  test('given more than a replay page after the cursor, when replayed, then every event comes once in order before the live ones', async () => {
    const start = await newest();
    const ids = await insertMany('pages', 1001);
    const it = await subscribe(context(), { topic: 'pages' }, start);
    const got = await take(it, 1001);
    expect(got).toEqual(ids);
    const live = await publish('pages', [{}]);
    expect(await nextId(it)).toBe(live[0]);
  });

  test('given replayed pages and a prefetch, when replayed, then prefetch loads each non-empty page once into the loaders its events then share; live events share loaders per event across streams', async () => {
    const start = await newest();
    const ids = await insertMany('prefetch', 501);
    const pages: { ids: string[]; loaders: LoaderRegistry }[] = [];
    const filter: EventFilter = {
      topic: 'prefetch',
      prefetch: async (ctx, events) => void pages.push({ ids: events.map((e) => e.id), loaders: ctx.loaders }),
    };
    const ctx = context();
    const it = await subscribe(ctx, filter, start);
    const seenLoaders: LoaderRegistry[] = [];
    for (let i = 0; i < 501; i++) {
      await it.next();
      seenLoaders.push(ctx.loaders);
    }

    expect(pages.map((p) => p.ids)).toEqual([ids.slice(0, 500), ids.slice(500)]);
    expect(seenLoaders[0]).toBe(pages[0].loaders);
    expect(seenLoaders[499]).toBe(pages[0].loaders);
    expect(seenLoaders[500]).toBe(pages[1].loaders);
    expect(pages[0].loaders).not.toBe(pages[1].loaders);

    // Live: two streams receiving the same event share its loaders; the next event gets others.
    const other = context();
    const { first: waiting2 } = await subscribeFromNow(other, { topic: 'prefetch' });
    const live = await publish('prefetch', [{}, {}]);
    expect(await nextId(it)).toBe(live[0]);
    expect((await waiting2).value?.id).toBe(live[0]);
    expect(other.loaders).toBe(ctx.loaders);
    const forFirst = ctx.loaders;
    expect(await nextId(it)).toBe(live[1]);
    expect(ctx.loaders).not.toBe(forFirst);
    expect(pages).toHaveLength(2);
  });

  test('given a cursor with nothing after it and a prefetch, when the stream starts, then prefetch is not asked for an empty page', async () => {
    const prefetch = jest.fn(async () => {});
    const it = await subscribe(context(), { topic: 'prefetch-empty', prefetch }, await newest());
    expect(await nextId(it, 300)).toBe('none');
    expect(prefetch).not.toHaveBeenCalled();
  });
});

describe('filters', () => {
  const rows: Row[] = [
    { type: 'a.one', subjectId: SUBJECT, areaPath: 'cn/sh/pd' },
    { type: 'a.two', subjectId: SUBJECT, areaPath: 'cn/sh/pd' },
    { type: 'a.one', subjectId: OTHER_SUBJECT, areaPath: 'cn/sh/pd' },
    { type: 'a.one', subjectId: SUBJECT, areaPath: 'cn/bj/sh' },
    { type: 'a.one', subjectId: SUBJECT, areaPath: null },
    { type: 'a.one', subjectId: null, areaPath: 'cn/sh' },
    { type: 'a.three', subjectId: SUBJECT, areaPath: 'cn/sh/pd/x' },
  ];
  const cases: [string, Omit<EventFilter, 'topic'>, number[]][] = [
    ['types', { types: ['a.one', 'a.three'] }, [0, 2, 3, 4, 5, 6]],
    ['subjectId', { subjectId: SUBJECT }, [0, 1, 3, 4, 6]],
    ['areaPathPrefix', { areaPathPrefix: 'cn/sh' }, [0, 1, 2, 5, 6]],
    ['all three', { types: ['a.one', 'a.three'], subjectId: SUBJECT, areaPathPrefix: 'cn/sh/pd' }, [0, 6]],
    ['none', {}, [0, 1, 2, 3, 4, 5, 6]],
  ];
  for (const [name, filter, expected] of cases) test(`given a ${name} filter, when events are replayed and then come live, then both deliver exactly the matching ones`, async () => {
    const topic = `filter-${name}`;
    await insert(`${topic}-other`, rows);
    const start = await newest();
    // Another topic's events inside the replayed range too: the replay reads this topic's only.
    await insert(`${topic}-other`, rows);
    const replayed = await insert(topic, rows);
    await insert(`${topic}-other`, rows);
    const it = await subscribe(context(), { topic, ...filter }, start);
    expect(await take(it, expected.length)).toEqual(expected.map((i) => replayed[i]));
    expect(await nextId(it, 200)).toBe('none');

    const live = await publish(topic, rows);
    await publish(`${topic}-other`, rows);
    const got: string[] = [];
    for (;;) {
      const id = await nextId(it, 300);
      if (id === 'none') break;
      got.push(id);
    }
    expect(got).toEqual(expected.map((i) => live[i]));
  });
});

describe('visibility per event', () => {
  test('given events for other audiences, when streamed, then only those for the viewer\'s organisations or naming the viewer come', async () => {
    const start = await newest();
    const ids = await insert('audience', [{ organizationIds: [ORG_A] }, { organizationIds: [ORG_B] }, { organizationIds: [ORG_B], userIds: [USER] }, { organizationIds: [], userIds: [OTHER_USER] }]);
    const it = await subscribe(context(memberOf(ORG_A)), { topic: 'audience' }, start);
    expect(await take(it, 2)).toEqual([ids[0], ids[2]]);
    const live = await publish('audience', [{ organizationIds: [ORG_B] }, { organizationIds: [ORG_A] }]);
    expect(await nextId(it)).toBe(live[1]);
  });

  test('given a membership removed between two events, when streamed, then each event is checked against the viewer as of that event, in replay and live alike, and ctx.viewer follows', async () => {
    const start = await newest();
    const ids = await insert('asof', [{}, {}, {}]);
    const ctx = context(memberOf(ORG_A));
    const seenBy: Viewer[] = [];
    const it = await subscribe(ctx, { topic: 'asof', visible: (_e, viewer) => (seenBy.push(viewer), true) }, start);
    expect(await nextId(it)).toBe(ids[0]);
    const outsider = memberOf(ORG_B);
    viewers.now = outsider;
    const back = memberOf(ORG_A, ORG_B);
    // Replayed ids[1] and ids[2] are not for ORG_B alone; the live one is, once the viewer is back in ORG_A too.
    const pending = it.next();
    await sleep(200);
    viewers.now = back;
    const live = await publish('asof', [{}]);
    const got = await pending;
    expect(got.value?.id).toBe(live[0]);
    expect(ctx.viewer).toBe(back);
    expect(seenBy[seenBy.length - 1]).toBe(back);
    expect(seenBy).not.toContain(outsider);
  });

  test('given a per-stream visible rule, when streamed, then it is asked with the event and the viewer as of that event, and false drops the event', async () => {
    const start = await newest();
    const ids = await insert('rule', [{ type: 'keep' }, { type: 'drop' }, { type: 'keep' }]);
    const asked: [string, Viewer][] = [];
    const viewer = memberOf(ORG_A);
    const it = await subscribe(context(viewer), { topic: 'rule', visible: (e, v) => (asked.push([e.id, v]), e.type === 'keep') }, start);
    expect(await take(it, 2)).toEqual([ids[0], ids[2]]);
    expect(asked).toEqual([
      [ids[0], viewer],
      [ids[1], viewer],
      [ids[2], viewer],
    ]);
  });

  test('given mayReceive, when the audience or the rule refuses, then false', () => {
    const event = { organizationIds: [ORG_A], userIds: [] } as unknown as EventRecord;
    expect(mayReceive(memberOf(ORG_A), event)).toBe(true);
    expect(mayReceive(memberOf(ORG_B), event)).toBe(false);
    expect(mayReceive(memberOf(ORG_A), event, {})).toBe(true);
    expect(mayReceive(memberOf(ORG_A), event, { visible: () => false })).toBe(false);
    expect(mayReceive(memberOf(ORG_B), event, { visible: () => true })).toBe(false);
  });
});

describe('a subscriber that lost its right', () => {
  test('given the viewer gone (token expired, account disabled), when the next event comes, then the stream ends with UNAUTHENTICATED and unsubscribes', async () => {
    const before = await ends('unauthenticated');
    const it = await subscribe(context(), { topic: 'gone' }, await newest());
    const ended = refusal(it.next());
    await until(() => bus.subscriberCount() === 1);
    viewers.now = null;
    await publish('gone', [{}]);
    expect(await ended).toBe('UNAUTHENTICATED: Your session is no longer valid: the token expired, the account was disabled or the API client was revoked.');
    expect(bus.subscriberCount()).toBe(0);
    expect(viewers.watching()).toBe(0);
    expect((await ends('unauthenticated')) - before).toBe(1);
  });

  test('given a changed identity no longer allowed, when told while waiting on a quiet topic, then the stream ends with FORBIDDEN at once, the check seeing the new viewer and fresh loaders', async () => {
    const before = await ends('forbidden');
    const ctx = context();
    const oldLoaders = ctx.loaders;
    const asked: { viewer: Viewer; loaders: LoaderRegistry }[] = [];
    const it = await subscribe(ctx, { topic: 'quiet', stillAllowed: async (c) => (asked.push({ viewer: c.viewer, loaders: c.loaders }), false) }, null);
    const next = refusal(it.next());
    await until(() => bus.subscriberCount() === 1);
    const changed = memberOf(ORG_B);
    viewers.now = changed;
    viewers.change(SUBJECT_OF_USER);

    expect(await next).toBe('FORBIDDEN: You may no longer watch this: your membership or access changed.');
    expect(asked).toHaveLength(1);
    expect(asked[0].viewer).toBe(changed);
    expect(asked[0].loaders).not.toBe(oldLoaders);
    expect(bus.subscriberCount()).toBe(0);
    expect(viewers.watching()).toBe(0);
    expect((await ends('forbidden')) - before).toBe(1);
  });

  test('given a re-read that found the same memberships (a new viewer object), when told, then no new start check, and the next event reaches the new object', async () => {
    const ctx = context(memberOf(ORG_A));
    let checks = 0;
    const it = await subscribe(ctx, { topic: 'same-facts', stillAllowed: async () => (checks++, true) }, null);
    const next = it.next();
    await until(() => bus.subscriberCount() === 1);
    const reread = memberOf(ORG_A);
    viewers.now = reread;
    const reads = viewers.reads;
    viewers.change(SUBJECT_OF_USER);
    await until(() => viewers.reads > reads);
    const ids = await publish('same-facts', [{}]);
    expect((await next).value?.id).toBe(ids[0]);
    expect(ctx.viewer).toBe(reread);
    expect(checks).toBe(0);
  });

  test('given a changed identity still allowed, when told, then the stream goes on and delivers to the new viewer; the same viewer again is not re-checked', async () => {
    const ctx = context();
    let checks = 0;
    const it = await subscribe(ctx, { topic: 'allowed', stillAllowed: async () => (checks++, true) }, null);
    const next = it.next();
    await until(() => bus.subscriberCount() === 1);
    const changed = memberOf(ORG_A, ORG_B);
    viewers.now = changed;
    viewers.change(SUBJECT_OF_USER);
    await until(() => checks === 1);
    // Told again, but the viewer is the one already checked.
    viewers.change(SUBJECT_OF_USER);
    await sleep(100);
    // Each change is one re-read, then the stream waits again.
    const reads = viewers.reads;
    await sleep(100);
    expect(viewers.reads).toBe(reads);
    const ids = await publish('allowed', [{}]);
    expect((await next).value?.id).toBe(ids[0]);
    expect(ctx.viewer).toBe(changed);
    expect(checks).toBe(1);
  });

  test('given a live subscriber whose cached identity is the one last checked, when events arrive, then each is admitted without reading the viewer again', async () => {
    const { it, first } = await subscribeFromNow(context(), { topic: 'at-hand', stillAllowed: async () => true });
    const reads = viewers.reads;

    const ids = await publish('at-hand', [{}, {}, {}]);
    const got = [(await first).value?.id, (await it.next()).value?.id, (await it.next()).value?.id];

    expect(got).toEqual(ids);
    // A read per subscriber per event is what a fan-out to thousands cannot afford.
    expect(viewers.reads).toBe(reads);
  });

  test('given an event that finds the cached identity changed before the notice was handled, then the start check runs again before it is delivered, and a refusal ends the stream', async () => {
    const { first } = await subscribeFromNow(context(memberOf(ORG_A)), { topic: 'changed-at-hand', stillAllowed: async () => false });
    const next = refusal(first);
    // Still able to see the event by its audience, but no longer allowed to watch: only the start check tells.
    viewers.now = memberOf(ORG_A, ORG_B);

    await publish('changed-at-hand', [{}]);

    expect(await next).toBe('FORBIDDEN: You may no longer watch this: your membership or access changed.');
  });

  test('given a changed identity and the viewer gone, when told while waiting, then the stream ends with UNAUTHENTICATED without waiting for an event', async () => {
    const it = await subscribe(context(), { topic: 'gone-quiet', stillAllowed: async () => true }, null);
    const next = codeOf(it.next());
    await until(() => bus.subscriberCount() === 1);
    viewers.now = null;
    viewers.change(SUBJECT_OF_USER);
    expect(await next).toBe('UNAUTHENTICATED');
  });

  test('given a stream without a start check, when the identity changes, then it goes on', async () => {
    const it = await subscribe(context(), { topic: 'nocheck' }, await newest());
    const next = it.next();
    await until(() => bus.subscriberCount() === 1);
    viewers.now = memberOf(ORG_A, ORG_B);
    viewers.change(SUBJECT_OF_USER);
    await sleep(100);
    const ids = await publish('nocheck', [{}]);
    expect((await next).value?.id).toBe(ids[0]);
  });

  test('given a signed-out stream (no subject), when it runs, then nothing watches an identity', async () => {
    const it = await subscribe(context(memberOf(ORG_A), null), { topic: 'anon' }, await newest());
    const next = it.next();
    await until(() => bus.subscriberCount() === 1);
    expect(viewers.watching()).toBe(0);
    const ids = await publish('anon', [{}]);
    expect((await next).value?.id).toBe(ids[0]);
  });
});

describe('a consumer that falls behind', () => {
  test('given exactly 10 000 undelivered events, when it reads on, then it gets them; one more than that ends the stream with SLOW_CONSUMER and unsubscribes', async () => {
    const before = await ends('slow_consumer');
    // One event, already dispatched, replayed to the new stream: it then parks at its yield.
    const start = await newest();
    const firstIds = await publish('slow', [{}]);
    const it = await subscribe(context(), { topic: 'slow' }, start);
    expect(await nextId(it)).toBe(firstIds[0]);

    // Parked at its yield, the stream queues what the dispatcher hands over.
    const queued = await insertMany('slow', 10_000);
    bus.wake();
    await until(() => bus.dispatchedCursor === queued[queued.length - 1], 30_000);
    expect(await nextId(it)).toBe(queued[0]);
    // 9 999 queued: one more fits, the next one does not.
    await publish('slow', [{}, {}]);
    expect(await refusal(it.next())).toBe('SLOW_CONSUMER: Subscriber too slow: events were dropped. Resubscribe with your last cursor.');
    expect(bus.subscriberCount()).toBe(0);
    expect((await ends('slow_consumer')) - before).toBe(1);
  }, 60_000);
});

describe('return()', () => {
  test('given a stream parked on a quiet topic, when returned, then the pending read ends at once and it unsubscribes and stops watching', async () => {
    const { it, first: next } = await subscribeFromNow(context(), { topic: 'silent' });
    await sleep(50);
    expect(viewers.watching()).toBe(1);

    const t0 = Date.now();
    const returned = await Promise.race([it.return!(), sleep(1000).then(() => 'still waiting' as const)]);
    expect(returned).toEqual({ done: true, value: undefined });
    expect(await Promise.race([next.then((r) => (r.done ? 'done' : 'value')), sleep(1000).then(() => 'still waiting')])).toBe('done');
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(bus.subscriberCount()).toBe(0);
    expect(viewers.watching()).toBe(0);
  });

  // Live, the check is held only where it reads the viewer: with the viewer as last checked still cached, a live
  // event is admitted without a read (prepareAtHand), so the live variant finds the cache expired.
  for (const mode of ['replayed', 'live'] as const) {
    test(`given a stream checking a ${mode} event it will not deliver, when returned meanwhile, then it leaves at once: no later event, no waiting again`, async () => {
      const topic = `mid-check-${mode}`;
      const start = await newest();
      const rows: Row[] = [{ organizationIds: [ORG_B] }, { organizationIds: [ORG_A] }];
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let held = false;
      const current = viewers.current;
      const currentIfCached = viewers.currentIfCached;
      try {
        let it: AsyncIterator<EventRecord>;
        let next: Promise<IteratorResult<EventRecord>>;
        if (mode === 'replayed') {
          await insert(topic, rows);
          it = await subscribe(context(memberOf(ORG_A)), { topic }, start);
        } else {
          ({ it, first: next } = await subscribeFromNow(context(memberOf(ORG_A)), { topic }));
        }
        // Hold the stream in its check of the first (invisible) event.
        if (mode === 'live') viewers.currentIfCached = () => undefined;
        viewers.current = async function () {
          held = true;
          await gate;
          return current.call(this);
        };
        if (mode === 'replayed') next = it.next();
        else await publish(topic, rows);
        await until(() => held);
        const returned = it.return!();
        viewers.current = current;
        viewers.currentIfCached = currentIfCached;
        release();
        expect(await Promise.race([returned.then(() => 'returned'), sleep(1000).then(() => 'still waiting')])).toBe('returned');
        expect(await Promise.race([next!.then((r) => (r.done ? 'done' : r.value.id)), sleep(1000).then(() => 'still waiting')])).toBe('done');
        expect(bus.subscriberCount()).toBe(0);
      } finally {
        viewers.current = current;
        viewers.currentIfCached = currentIfCached;
        release();
      }
    });
  }

  test('given a stream, when returned, then it yields nothing more even if events come', async () => {
    const it = await subscribe(context(), { topic: 'after-return' }, await newest());
    const next = it.next();
    await until(() => bus.subscriberCount() === 1);
    const ids = await publish('after-return', [{}, {}]);
    expect((await next).value?.id).toBe(ids[0]);
    await it.return!();
    expect((await it.next()).done).toBe(true);
  });

  test('given a stream, when it is its own async iterator and throw() is called, then the error ends it', async () => {
    const it = (await subscribe(context(), { topic: 'thrown' }, await newest())) as AsyncIterableIterator<EventRecord>;
    expect(it[Symbol.asyncIterator]()).toBe(it);
    const ids = await insert('thrown', [{}]);
    expect(await nextId(it)).toBe(ids[0]);
    await expect(it.throw!(new Error('client gone'))).rejects.toThrow('client gone');
    expect(bus.subscriberCount()).toBe(0);
  });
});

describe('loaders per event', () => {
  test('given the loaders of 256 events held, when a 257th event gets its own, then the oldest are dropped and the other 256 kept', () => {
    const oldest = loadersForEvent('held-0');
    for (let i = 1; i < 256; i++) loadersForEvent(`held-${i}`);
    expect(loadersForEvent('held-0')).toBe(oldest);
    const second = loadersForEvent('held-1');

    loadersForEvent('held-256');

    expect(loadersForEvent('held-1')).toBe(second);
    expect(loadersForEvent('held-0')).not.toBe(oldest);
  });
});

describe('cursors', () => {
  test('given events pruned through P, when resuming from below P, then CURSOR_EXPIRED before the stream starts; from P itself, the next event is the first kept one', async () => {
    const ids = await insert('pruned', [{}, {}, {}]);
    const P = ids[1];
    await side.query('DELETE FROM event WHERE id <= $1 AND topic = $2', [P, 'pruned']);
    await side.query('UPDATE event_log_state SET pruned_through = $1', [P]);

    expect(await refusal(eventStream(context(), { topic: 'pruned' }, ids[0]))).toBe(
      'CURSOR_EXPIRED: Events after this cursor are past the retention period. Reload, then subscribe without `after`.',
    );
    expect(await codeOf(eventStream(context(), { topic: 'pruned' }, String(BigInt(P) - 1n)))).toBe('CURSOR_EXPIRED');
    expect(await codeOf(assertNotPruned(context(), '0'))).toBe('CURSOR_EXPIRED');
    expect(bus.subscriberCount()).toBe(0);
    const it = await subscribe(context(), { topic: 'pruned' }, P);
    expect(await nextId(it)).toBe(ids[2]);
    expect(await codeOf(assertNotPruned(context(), String(BigInt(P) + 1n)))).toBe('no error');
  });

  test('given an absent cursor or one of 1 to 19 digits, when parsed, then it is taken as it is', () => {
    const accepted: [string | null | undefined, string | null][] = [
      [null, null],
      [undefined, null],
      ['0', '0'],
      ['42', '42'],
      ['9'.repeat(19), '9'.repeat(19)],
    ];
    for (const [input, expected] of accepted) expect(parseCursor(input)).toBe(expected);
  });

  test('given anything else as a cursor, when parsed, then BAD_USER_INPUT', () => {
    for (const input of ['', 'abc', '-1', '1.5', ' 12', '12 ', 'x12', '12x', '1'.repeat(20), '0x10']) {
      let error: unknown;
      try {
        parseCursor(input);
      } catch (e) {
        error = e;
      }
      expect([input, error instanceof GraphQLError && error.extensions.code, (error as Error | undefined)?.message]).toEqual([input, 'BAD_USER_INPUT', 'after must be an event cursor']);
    }
  });
});
