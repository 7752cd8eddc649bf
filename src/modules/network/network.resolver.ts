import { Arg, Ctx, FieldResolver, Resolver, Root, Subscription } from 'type-graphql';
import type { AppContext } from '../../shared/context';
import { Access, AccessLevel, canSeeRelationship } from '../../shared/auth/policy';
import type { EventRecord } from '../../shared/events/event.entity';
import { eventStream, parseCursor } from '../../shared/events/event-stream';
import { Organization } from '../organization/organization.entity';
import { organizationsById } from '../organization/organization.loaders';
import { Relationship } from '../relationship/relationship.entity';
import { relationshipsById } from '../relationship/relationship.loaders';
import { NetworkChange, toNetworkChange } from './network.types';

@Resolver(() => NetworkChange)
export class NetworkChangeResolver {
  @Subscription(() => NetworkChange, {
    description: "Changes to the network around the viewer's organisations: organisations, memberships, relations. Replays what came after `after` first, then goes live.",
    subscribe: ({ args, context }) => eventStream(context as AppContext, { topic: 'network' }, parseCursor(args.after)),
  })
  @Access(AccessLevel.SIGNED_IN)
  networkChanges(
    @Root() event: EventRecord,
    @Arg('after', () => String, { nullable: true, description: 'Cursor of the last change you have; omit to receive only new changes.' }) _after?: string,
  ): NetworkChange {
    return toNetworkChange(event);
  }

  @FieldResolver(() => Organization, { nullable: true, description: 'The organisation concerned, as it is now; null when the change is about a relation.' })
  organization(@Root() change: NetworkChange, @Ctx() ctx: AppContext) {
    const id = change.event.payload.organizationId;
    return typeof id === 'string' ? organizationsById(ctx).load(id) : null;
  }

  @FieldResolver(() => Relationship, { nullable: true, description: 'The relation concerned, as it is now; null unless the change is about a relation.' })
  async relationship(@Root() change: NetworkChange, @Ctx() ctx: AppContext) {
    const id = change.event.payload.relationshipId;
    const relationship = typeof id === 'string' ? await relationshipsById(ctx).load(id) : null;
    return relationship && canSeeRelationship(ctx.viewer, relationship) ? relationship : null;
  }
}
