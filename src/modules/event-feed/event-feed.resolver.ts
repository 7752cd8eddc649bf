import { Arg, Ctx, ID, Int, Query, Resolver } from 'type-graphql';
import type { AppContext } from '../../shared/context';
import { Access, AccessLevel } from '../../shared/auth/policy';
import { Connection, PageInfo, type ConnectionShape } from '../../shared/relay/connection';
import { latestEventCursor, readFeed } from './event-feed.service';
import { toFeedEvent } from './event-feed.present';
import { EventTopic, FeedEvent } from './event-feed.types';

export const EventConnection = Connection(FeedEvent, 'Event');

@Resolver()
export class EventFeedResolver {
  @Query(() => EventConnection, {
    description:
      'The event log after a cursor, for partners that poll instead of holding a WebSocket: the same events, cursors, order and visibility as the subscriptions replay. Keep `pageInfo.endCursor` and pass it as `after` next time; it may lie past the last edge when the page skipped events you may not see.',
  })
  @Access(AccessLevel.SIGNED_IN)
  async events(
    @Ctx() ctx: AppContext,
    @Arg('after', () => String, { nullable: true, description: 'Cursor of the last event you have (an edge cursor or `endCursor`); omit to start at the oldest event still kept.' }) after?: string,
    @Arg('first', () => Int, { nullable: true, description: 'How many events to return, 0 to 100; default 20.' }) first?: number,
    @Arg('topics', () => [EventTopic], { nullable: true, description: 'Only events of these streams.' }) topics?: EventTopic[],
    @Arg('types', () => [String], { nullable: true, description: 'Only events of these types, e.g. `case.reported` (at most 50).' }) types?: string[],
    @Arg('areaId', () => ID, { nullable: true, description: 'Only events about this area or an area below it.' }) areaId?: string,
  ): Promise<ConnectionShape<FeedEvent>> {
    const page = await readFeed(ctx, { after, first, topics, types, areaId });
    const nodes = page.events.map(toFeedEvent);
    const pageInfo = Object.assign(new PageInfo(), {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: Boolean(after),
      startCursor: nodes[0]?.cursor ?? null,
      endCursor: page.endCursor,
    });
    return { edges: nodes.map((node) => ({ cursor: node.cursor, node })), nodes, pageInfo, totalCount: page.count, countFn: page.count } as ConnectionShape<FeedEvent>;
  }

  @Query(() => String, {
    description:
      'The cursor of the newest event in the log as of this read. Read it before your lists, then subscribe (or poll `events`) with `after:` it: every change that commits after this read reaches you, so none falls between your lists and your live feed. It says nothing about what the viewer may see.',
  })
  @Access(AccessLevel.SIGNED_IN)
  async latestEventCursor(@Ctx() ctx: AppContext): Promise<string> {
    return latestEventCursor(ctx);
  }
}
