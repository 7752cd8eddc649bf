import type { AppContext } from '../../shared/context';
import { badUserInput, notFound } from '../../shared/errors';
import { EventRecord } from '../../shared/events/event.entity';
import { assertNotPruned, currentCursor, mayReceive, parseCursor } from '../../shared/events/event-stream';
import { pageSize } from '../../shared/relay/connection';
import { idOf } from '../../shared/relay/global-id';
import { areasById } from '../area/area.loaders';
import type { EventTopic } from './event-feed.types';

/**
 * Log rows read per request at most. Visibility is decided row by row by the
 * same rule as the subscriptions (`mayReceive`), so a page may need to look
 * past many events the viewer may not see; past this budget the page ends
 * early and its `endCursor` says how far it looked.
 */
const SCAN_BUDGET = 5000;
const SCAN_CHUNK = 500;

export interface FeedQuery {
  after?: string | null;
  first?: number | null;
  topics?: EventTopic[] | null;
  types?: string[] | null;
  areaId?: string | null;
}

export interface FeedPage {
  events: EventRecord[];
  /** Log position this page has looked up to: resume from here. */
  endCursor: string | null;
  hasNextPage: boolean;
  /** Every visible event after `after` matching the filter; reads the whole remaining log. */
  count: () => Promise<number>;
}

interface Selection {
  topics: string[] | null;
  types: string[] | null;
  areaPathPrefix: string | null;
}

async function selection(ctx: AppContext, query: FeedQuery): Promise<Selection> {
  if (query.types && (query.types.length > 50 || query.types.some((t) => t.length > 100))) throw badUserInput('types takes at most 50 event types.');
  let areaPathPrefix: string | null = null;
  if (query.areaId) {
    const id = idOf(query.areaId, 'Area');
    const area = id ? await areasById(ctx).load(id) : null;
    if (!area) throw notFound('Area');
    areaPathPrefix = area.path;
  }
  return { topics: query.topics?.length ? query.topics : null, types: query.types?.length ? query.types : null, areaPathPrefix };
}

async function chunk(ctx: AppContext, sel: Selection, after: string, limit: number): Promise<EventRecord[]> {
  const qb = ctx.app.db.getRepository(EventRecord).createQueryBuilder('e').where('e.id > :after', { after });
  if (sel.topics) qb.andWhere('e.topic IN (:...topics)', { topics: sel.topics });
  if (sel.types) qb.andWhere('e.type IN (:...types)', { types: sel.types });
  if (sel.areaPathPrefix) qb.andWhere('e.area_path LIKE :prefix', { prefix: `${sel.areaPathPrefix}%` });
  return qb.orderBy('e.id', 'ASC').limit(limit).getMany();
}

/** Where a live feed should start so that it continues lists read after this: the log's newest cursor now. */
export function latestEventCursor(ctx: AppContext): Promise<string> {
  return currentCursor(ctx);
}

/**
 * The event log after a cursor, as the subscriptions would replay it: same
 * cursors, same order, same per-event visibility. Without `after` it starts
 * at the beginning of what the log still holds.
 */
export async function readFeed(ctx: AppContext, query: FeedQuery): Promise<FeedPage> {
  const first = pageSize(query.first);
  const after = parseCursor(query.after) ?? '0';
  if (query.after) await assertNotPruned(ctx, after);
  const sel = await selection(ctx, query);
  const events: EventRecord[] = [];
  let position = after;
  let scanned = 0;
  let exhausted = false;
  while (scanned < SCAN_BUDGET) {
    const rows = await chunk(ctx, sel, position, SCAN_CHUNK);
    for (const row of rows) {
      const visible = mayReceive(ctx.viewer, row);
      // A further visible event: there is a next page, and this one ends just before it.
      if (visible && events.length === first) return { events, endCursor: position, hasNextPage: true, count: counter(ctx, sel, after) };
      if (visible) events.push(row);
      position = row.id;
      scanned += 1;
    }
    if (rows.length < SCAN_CHUNK) {
      exhausted = true;
      break;
    }
  }
  return { events, endCursor: position, hasNextPage: !exhausted, count: counter(ctx, sel, after) };
}

function counter(ctx: AppContext, sel: Selection, after: string): () => Promise<number> {
  let result: Promise<number> | undefined;
  return () =>
    (result ??= (async () => {
      let n = 0;
      let position = after;
      for (;;) {
        const rows = await chunk(ctx, sel, position, SCAN_CHUNK);
        for (const row of rows) if (mayReceive(ctx.viewer, row)) n += 1;
        if (rows.length < SCAN_CHUNK) return n;
        position = rows[rows.length - 1].id;
      }
    })());
}
