import { GraphQLError } from 'graphql';
import type { AppContext } from '../context';
import { LoaderRegistry } from '../loaders';
import type { Viewer } from '../auth/viewer';
import { eventVisibleTo } from '../auth/policy';
import { EventRecord } from './event.entity';
import type { LiveSubscriber } from './event-bus';
import { subscriptionEnds } from '../metrics';

export interface EventFilter {
  topic: string;
  /** Only events about this record. */
  subjectId?: string;
  /** Only events in this area subtree (materialized path prefix). */
  areaPathPrefix?: string;
  /** Only these event types. */
  types?: string[];
  /**
   * Extra per-event rule on top of the event's audience (organisations and
   * users it names). Gets the viewer as of this event.
   */
  visible?: (event: EventRecord, viewer: Viewer) => boolean;
  /**
   * Loads, in a few batched queries, what the events of a replayed page will
   * need (their records, audiences), into the loaders the whole page shares;
   * without it a replay of N events costs N round trips per loader.
   */
  prefetch?: (ctx: AppContext, events: EventRecord[]) => Promise<void>;
  /**
   * The check the subscription passed when it started (may the viewer watch
   * this meeting, this area?), asked again whenever the viewer's identity
   * changes (a membership removed, a client revoked): false ends the
   * subscription with FORBIDDEN instead of leaving it open and silent.
   */
  stillAllowed?: (ctx: AppContext) => Promise<boolean>;
}

/**
 * More undelivered events than this for one subscriber means it cannot keep
 * up: stop queueing (the queue holds references to records shared by all
 * subscribers, so this bounds memory) and end the subscription with
 * SLOW_CONSUMER; the client resumes from its last cursor and loses nothing.
 */
const MAX_PENDING = 10_000;
const REPLAY_PAGE = 500;

export function parseCursor(after: string | null | undefined): string | null {
  if (after === null || after === undefined) return null;
  if (!/^\d{1,19}$/.test(after)) throw new GraphQLError('after must be an event cursor', { extensions: { code: 'BAD_USER_INPUT' } });
  return after;
}

function matches(filter: EventFilter, event: EventRecord): boolean {
  return (
    event.topic === filter.topic &&
    (!filter.subjectId || event.subjectId === filter.subjectId) &&
    (!filter.areaPathPrefix || (event.areaPath ?? '').startsWith(filter.areaPathPrefix)) &&
    (!filter.types || filter.types.includes(event.type))
  );
}

/**
 * Replays the events after `after` that the viewer may see, then goes live,
 * with no gap and no duplicate at the seam: it registers for live events
 * before reading the log and drops live events it already replayed. Before
 * each event it re-reads the viewer (memberships may have changed), resets
 * the per-event loaders and checks visibility again.
 */
/**
 * The stream of a subscription. `deliverDirectly` lets its consumer take a live event at the moment it is dispatched,
 * without the generator's promise turns: see `DirectDelivery`.
 */
export interface EventStream extends AsyncIterableIterator<EventRecord> {
  deliverDirectly(direct: DirectDelivery): void;
}

/**
 * Takes one admitted live event and delivers it at once, or answers false to leave it to the stream's own order
 * (the generator then yields it as usual). Called only while the stream is idle: everything before the event was
 * handed over, and nothing is queued, so order holds either way.
 */
export type DirectDelivery = (event: EventRecord) => boolean;

export async function eventStream(ctx: AppContext, filter: EventFilter, afterCursor: string | null): Promise<EventStream> {
  // Checked before the stream starts, so the client gets an error message rather than a broken stream.
  if (afterCursor !== null) await assertNotPruned(ctx, afterCursor);
  // The start check's rows (a meeting and its participants: 30-40 KB) would otherwise stay in the
  // context's loaders for as long as the subscription idles; every event brings loaders of its own.
  ctx.loaders = new LoaderRegistry();
  const control: StreamControl = { stopped: false, wake: null, identityChanged: false, checkedViewer: ctx.viewer, idle: false, delivered: '0', direct: null };
  const generator = stream(ctx, filter, afterCursor, control);
  const iterator: EventStream = {
    deliverDirectly: (direct) => (control.direct = direct),
    next: () => generator.next(),
    // An async generator parked at an await would only see return() at its next
    // yield, i.e. at the next matching event, which on a quiet topic may never
    // come. Stopping wakes it so it leaves at once and unregisters.
    return: (value?: unknown) => {
      control.stopped = true;
      control.wake?.();
      return generator.return(value as never);
    },
    throw: (error?: unknown) => generator.throw(error),
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

interface StreamControl {
  stopped: boolean;
  wake: (() => void) | null;
  /** Set when the subscriber's identity was invalidated: re-read it and re-run the start check before waiting again. */
  identityChanged: boolean;
  /** The viewer the start check last passed with; a different one (a re-read) is checked again. */
  checkedViewer: Viewer | null;
  /** Live and waiting for events with nothing queued: the consumer has taken every event before. */
  idle: boolean;
  /** Cursor of the last event handed over or passed over; nothing at or before it is handed over again. */
  delivered: string;
  direct: DirectDelivery | null;
}

/** A consumer that fails here fails in the stream's own order instead, where its error ends only its subscription. */
function deliveredDirectly(direct: DirectDelivery, event: EventRecord): boolean {
  try {
    return direct(event);
  } catch {
    return false;
  }
}

/** Whether cursor `a` comes after `b` (decimal strings without leading zeros), without a BigInt per comparison. */
function isAfter(a: string, b: string): boolean {
  return a.length !== b.length ? a.length > b.length : a > b;
}

async function* stream(ctx: AppContext, filter: EventFilter, afterCursor: string | null, control: StreamControl): AsyncGenerator<EventRecord> {
  const bus = ctx.app.events;
  const pending: EventRecord[] = [];
  let overflow = false;
  const subscriber: LiveSubscriber = {
    topic: filter.topic,
    push(event) {
      if (!matches(filter, event)) return;
      if (control.idle && control.direct && pending.length === 0 && !control.stopped && !control.identityChanged && isAfter(event.id, control.delivered)) {
        // The same check the generator makes for a live event (prepareAtHand), answered from memory or not at all.
        const admitted = prepareAtHand(ctx, filter, event, control);
        if (admitted === false || (admitted === true && deliveredDirectly(control.direct, event))) {
          control.delivered = event.id;
          return;
        }
      }
      if (pending.length < MAX_PENDING) pending.push(event);
      else overflow = true;
      control.wake?.();
    },
  };
  const unsubscribe = bus.subscribe(subscriber);
  const unwatch = ctx.subject
    ? ctx.app.viewers.watch(ctx.subject, () => {
        control.identityChanged = true;
        control.wake?.();
      })
    : () => {};
  try {
    // Registered first, then the starting point read from the log: an event
    // committed before this point is not delivered even if this process has
    // not dispatched it yet, and one committed after it is already queued.
    control.delivered = afterCursor ?? (await currentCursor(ctx));
    if (afterCursor !== null) {
      for (;;) {
        const page = await replayPage(ctx, filter, control.delivered);
        // One loader registry for the page: rows fetched for one replayed event serve the others.
        const pageLoaders = new LoaderRegistry();
        if (filter.prefetch && page.length) {
          ctx.loaders = pageLoaders;
          await filter.prefetch(ctx, page);
        }
        for (const event of page) {
          if (control.stopped) return;
          control.delivered = event.id;
          if (await prepare(ctx, filter, event, control, pageLoaders)) yield event;
        }
        if (page.length < REPLAY_PAGE) break;
      }
    }
    while (!control.stopped) {
      while (pending.length > 0 && !control.stopped) {
        if (overflow) throw slowConsumer();
        const event = pending.shift()!;
        if (!isAfter(event.id, control.delivered)) continue;
        control.delivered = event.id;
        if (prepareAtHand(ctx, filter, event, control) ?? (await prepare(ctx, filter, event, control))) yield event;
      }
      if (overflow) throw slowConsumer();
      if (control.stopped) return;
      if (control.identityChanged) {
        control.identityChanged = false;
        await currentViewer(ctx, filter, control);
        continue;
      }
      control.idle = true;
      await new Promise<void>((resolve) => (control.wake = resolve));
      control.idle = false;
      control.wake = null;
    }
  } finally {
    unsubscribe();
    unwatch();
  }
}

/**
 * The newest event's cursor in the log as of this read. Event inserts are serialised by the event-log lock, so
 * every event that commits later has a greater cursor: replaying after it misses nothing that commits afterwards.
 */
export async function currentCursor(ctx: AppContext): Promise<string> {
  const [{ max }] = await ctx.app.db.query('SELECT coalesce(max(id), 0)::text AS max FROM event');
  return max;
}

function slowConsumer(): GraphQLError {
  subscriptionEnds.inc({ reason: 'slow_consumer' });
  return new GraphQLError('Subscriber too slow: events were dropped. Resubscribe with your last cursor.', { extensions: { code: 'SLOW_CONSUMER' } });
}

/**
 * Whether `viewer`, as it is now, may receive `event`. The one rule every
 * transport applies per event: subscriptions (WebSocket, SSE), the polled
 * `events` feed and webhook deliveries all call it at the moment they hand
 * the event over, never caching an earlier answer.
 */
export function mayReceive(viewer: Viewer, event: EventRecord, filter?: Pick<EventFilter, 'visible'>): boolean {
  if (!eventVisibleTo(viewer, event)) return false;
  return !filter?.visible || filter.visible(event, viewer);
}

/**
 * The subscriber as of now, by the rule every operation follows: gone
 * (token expired, account disabled, client revoked) ends the subscription
 * with UNAUTHENTICATED; a changed identity must pass the start check again
 * or the subscription ends with FORBIDDEN.
 */
async function currentViewer(ctx: AppContext, filter: EventFilter, control: StreamControl): Promise<Viewer> {
  const viewer = await ctx.app.viewers.current(ctx);
  if (!viewer) {
    subscriptionEnds.inc({ reason: 'unauthenticated' });
    throw new GraphQLError('Your session is no longer valid: the token expired, the account was disabled or the API client was revoked.', { extensions: { code: 'UNAUTHENTICATED' } });
  }
  if (!sameIdentity(viewer, control.checkedViewer) && filter.stillAllowed) {
    ctx.viewer = viewer;
    // Rows cached under the old identity must not answer the new check.
    ctx.loaders = new LoaderRegistry();
    if (!(await filter.stillAllowed(ctx))) {
      subscriptionEnds.inc({ reason: 'forbidden' });
      throw new GraphQLError('You may no longer watch this: your membership or access changed.', { extensions: { code: 'FORBIDDEN' } });
    }
  }
  control.checkedViewer = viewer;
  return viewer;
}

/**
 * Whether the start check `checked` passed still speaks for `viewer`: the same memberships, roles, kind and
 * scope. A re-read that found nothing new (the TTL ran out, another socket of the user connected) needs no
 * new check: with thousands of subscribers it would cost SQL per subscriber per event.
 */
function sameIdentity(viewer: Viewer, checked: Viewer | null): boolean {
  return checked !== null && viewer.sameFactsAs(checked);
}

async function prepare(ctx: AppContext, filter: EventFilter, event: EventRecord, control: StreamControl, loaders?: LoaderRegistry): Promise<boolean> {
  return admit(ctx, filter, event, await currentViewer(ctx, filter, control), loaders);
}

/**
 * `prepare` without a promise for the common case of a live event: the viewer is cached and is the one the
 * start check last passed with, so nothing needs reading or checking again. Undefined: take `prepare`.
 * The same rule, only cheaper: of an event's N subscribers, each would otherwise wait several promise turns.
 */
function prepareAtHand(ctx: AppContext, filter: EventFilter, event: EventRecord, control: StreamControl): boolean | undefined {
  const viewer = ctx.app.viewers.currentIfCached(ctx);
  if (!viewer || !sameIdentity(viewer, control.checkedViewer)) return undefined;
  return admit(ctx, filter, event, viewer);
}

function admit(ctx: AppContext, filter: EventFilter, event: EventRecord, viewer: Viewer, loaders?: LoaderRegistry): boolean {
  if (!mayReceive(viewer, event, filter)) return false;
  ctx.viewer = viewer;
  ctx.loaders = loaders ?? loadersForEvent(event.id);
  return true;
}

/**
 * Loaders shared by every subscriber that receives the same event in this
 * process: fanning one event out to N subscribers loads each record once, not
 * N times. Safe because loaders fetch raw rows and never consult the viewer;
 * visibility is decided per subscriber above and in the field resolvers.
 */
const eventLoaders = new Map<string, LoaderRegistry>();
const EVENT_LOADER_CACHE = 256;

export function loadersForEvent(eventId: string): LoaderRegistry {
  let registry = eventLoaders.get(eventId);
  if (!registry) {
    registry = new LoaderRegistry();
    eventLoaders.set(eventId, registry);
    if (eventLoaders.size > EVENT_LOADER_CACHE) eventLoaders.delete(eventLoaders.keys().next().value!);
  }
  return registry;
}

async function replayPage(ctx: AppContext, filter: EventFilter, after: string): Promise<EventRecord[]> {
  const qb = ctx.app.db
    .getRepository(EventRecord)
    .createQueryBuilder('e')
    .where('e.topic = :topic', { topic: filter.topic })
    .andWhere('e.id > :after', { after });
  if (filter.subjectId) qb.andWhere('e.subject_id = :subjectId', { subjectId: filter.subjectId });
  if (filter.areaPathPrefix) qb.andWhere(`e.area_path LIKE :prefix`, { prefix: `${filter.areaPathPrefix}%` });
  if (filter.types) qb.andWhere('e.type IN (:...types)', { types: filter.types });
  return qb.orderBy('e.id', 'ASC').limit(REPLAY_PAGE).getMany();
}

export async function assertNotPruned(ctx: AppContext, after: string): Promise<void> {
  const [{ pruned_through }] = await ctx.app.db.query('SELECT pruned_through::text FROM event_log_state');
  if (BigInt(after) < BigInt(pruned_through)) {
    throw new GraphQLError('Events after this cursor are past the retention period. Reload, then subscribe without `after`.', {
      extensions: { code: 'CURSOR_EXPIRED' },
    });
  }
}
