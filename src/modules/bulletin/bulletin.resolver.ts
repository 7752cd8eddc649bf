import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { AppContext } from '../../shared/context';
import { Access, AccessLevel } from '../../shared/auth/policy';
import type { EventRecord } from '../../shared/events/event.entity';
import { eventStream, parseCursor } from '../../shared/events/event-stream';
import { ConnectionArgs, toConnection } from '../../shared/relay/connection';
import { filterId, idOf } from '../../shared/relay/global-id';
import { withUserErrors } from '../../shared/transaction';
import { Area } from '../area/area.entity';
import { areasById } from '../area/area.loaders';
import { registerNodeType } from '../node/node.registry';
import { Organization } from '../organization/organization.entity';
import { organizationsById } from '../organization/organization.loaders';
import { Checkpoint } from '../patrol/patrol.entity';
import { findCheckpoint } from '../patrol/patrol.service';
import {
  Bulletin,
  BULLETIN_EVENT_TYPES,
  BulletinAcknowledgeInput,
  BulletinChange,
  BulletinIssueInput,
  BulletinKind,
  BulletinPayload,
  BulletinRecipient,
  BulletinWatch,
  toBulletinChange,
} from './bulletin.entity';
import { activeBulletinWatchesByCheckpointId, bulletinRecipientsByBulletinId, bulletinWatchesByBulletinId } from './bulletin.loaders';
import { canSeeAllRecipients } from './bulletin.policy';
import { acknowledgeBulletin, BULLETIN_TOPIC, BulletinConnection, findBulletin, issueBulletin, listBulletins } from './bulletin.service';


registerNodeType('Bulletin', (ctx, id) => findBulletin(ctx, id));

@Resolver(() => Bulletin)
export class BulletinResolver {
  @Query(() => BulletinConnection, { description: "Bulletins and risk alerts the viewer's organisations issued or received, newest first; platform admins see all." })
  @Access(AccessLevel.SIGNED_IN)
  async bulletins(
    @Ctx() ctx: AppContext,
    @Args() page: ConnectionArgs,
    @Arg('organizationId', () => ID, { nullable: true, description: 'Only bulletins this organisation issued or received.' }) organizationId?: string,
    @Arg('unacknowledgedOnly', () => Boolean, { defaultValue: false, description: 'Only bulletins still awaiting acknowledgement by your organisations (or by organizationId).' }) unacknowledgedOnly = false,
    @Arg('kinds', () => [BulletinKind], { nullable: true, description: 'Only these kinds.' }) kinds?: BulletinKind[],
  ) {
    return toConnection(
      await listBulletins(ctx, { organizationId: filterId(organizationId, 'Organization'), unacknowledgedOnly, kinds: kinds ?? null }, page),
    );
  }

  @Query(() => Bulletin, { nullable: true, description: 'One bulletin; null when unknown or not visible to the viewer (the two look alike).' })
  @Access(AccessLevel.SIGNED_IN)
  bulletin(@Ctx() ctx: AppContext, @Arg('id', () => ID, { description: 'Global id.' }) id: string) {
    return findBulletin(ctx, idOf(id, 'Bulletin'));
  }

  @Mutation(() => BulletinPayload, {
    description:
      "Issues a bulletin or risk alert to the organisations of an area subtree (within the issuer's jurisdiction) of the kinds chosen, optionally asking patrols to watch checkpoints. ADMINs, COORDINATORs and LIAISON_OFFICERs of a police station or street office.",
  })
  @Access(AccessLevel.WRITE)
  bulletinIssue(@Ctx() ctx: AppContext, @Arg('input', { description: 'The bulletin.' }) input: BulletinIssueInput) {
    return withUserErrors<BulletinPayload>(() => issueBulletin(ctx, input));
  }

  @Mutation(() => BulletinPayload, { description: 'A recipient acknowledges a bulletin, once. Members who act for the recipient.' })
  @Access(AccessLevel.WRITE)
  bulletinAcknowledge(@Ctx() ctx: AppContext, @Arg('input', { description: 'The bulletin and recipient.' }) input: BulletinAcknowledgeInput) {
    return withUserErrors<BulletinPayload>(() => acknowledgeBulletin(ctx, input));
  }

  @FieldResolver(() => Organization, { description: 'The issuing police station or street office.' })
  issuer(@Root() bulletin: Bulletin, @Ctx() ctx: AppContext) {
    return organizationsById(ctx).load(bulletin.issuerOrganizationId);
  }

  @FieldResolver(() => Area, { description: 'The area subtree addressed.' })
  area(@Root() bulletin: Bulletin, @Ctx() ctx: AppContext) {
    return areasById(ctx).load(bulletin.areaId);
  }

  @FieldResolver(() => [BulletinRecipient], { description: 'Recipients and their acknowledgements: all of them for the issuer and platform admins, your own organisations\' rows for a recipient.' })
  async recipients(@Root() bulletin: Bulletin, @Ctx() ctx: AppContext) {
    const all = await bulletinRecipientsByBulletinId(ctx).load(bulletin.id);
    return canSeeAllRecipients(ctx.viewer, bulletin.issuerOrganizationId) ? all : all.filter((r) => ctx.viewer.isMemberOf(r.organizationId));
  }

  @FieldResolver(() => [BulletinWatch], { description: 'Places patrols are asked to watch.' })
  watches(@Root() bulletin: Bulletin, @Ctx() ctx: AppContext) {
    return bulletinWatchesByBulletinId(ctx).load(bulletin.id);
  }
}

@Resolver(() => BulletinRecipient)
export class BulletinRecipientResolver {
  @FieldResolver(() => Organization, { description: 'The recipient.' })
  organization(@Root() recipient: BulletinRecipient, @Ctx() ctx: AppContext) {
    return organizationsById(ctx).load(recipient.organizationId);
  }
}

@Resolver(() => Checkpoint)
export class CheckpointWatchResolver {
  @FieldResolver(() => [BulletinWatch], { description: 'Bulletins in force that ask patrols to watch this checkpoint, newest first: those of bulletins you may see.' })
  async watchRequests(@Root() checkpoint: Checkpoint, @Ctx() ctx: AppContext) {
    const watches = await activeBulletinWatchesByCheckpointId(ctx).load(checkpoint.id);
    const visible = await Promise.all(watches.map(async (w) => ((await findBulletin(ctx, w.bulletinId)) ? w : null)));
    return visible.filter((w): w is BulletinWatch => w !== null);
  }
}

@Resolver(() => BulletinWatch)
export class BulletinWatchResolver {
  @FieldResolver(() => Bulletin, { nullable: true, description: 'The bulletin asking; null when you may not see it.' })
  bulletin(@Root() watch: BulletinWatch, @Ctx() ctx: AppContext) {
    return findBulletin(ctx, watch.bulletinId);
  }

  @FieldResolver(() => Checkpoint, { nullable: true, description: 'The checkpoint; null when you may not see it (it belongs to another team\'s organisation).' })
  checkpoint(@Root() watch: BulletinWatch, @Ctx() ctx: AppContext) {
    return findCheckpoint(ctx, watch.checkpointId);
  }
}

@Resolver(() => BulletinChange)
export class BulletinChangeResolver {
  @Subscription(() => BulletinChange, {
    description:
      "Bulletins issued to or by any of the viewer's organisations, and acknowledgements of the ones they issued or acknowledged. Replays what came after `after` first, then goes live; each event is checked against the viewer as it is then.",
    subscribe: ({ args, context }) => eventStream(context as AppContext, { topic: BULLETIN_TOPIC, types: [...BULLETIN_EVENT_TYPES] }, parseCursor(args.after)),
  })
  @Access(AccessLevel.SIGNED_IN)
  bulletinsFeed(
    @Root() event: EventRecord,
    @Arg('after', () => String, { nullable: true, description: 'Cursor of the last change you have; omit to receive only new changes.' }) _after?: string,
  ): BulletinChange {
    return toBulletinChange(event);
  }

  @FieldResolver(() => Bulletin, { nullable: true, description: 'The bulletin as it is now; null if you may no longer see it.' })
  bulletin(@Root() change: BulletinChange, @Ctx() ctx: AppContext) {
    return findBulletin(ctx, change.event.subjectId);
  }

  @FieldResolver(() => Organization, { nullable: true, description: 'The organisation that acknowledged; null unless the change is an acknowledgement.' })
  acknowledgedBy(@Root() change: BulletinChange, @Ctx() ctx: AppContext) {
    const id = change.event.type === 'bulletin.acknowledged' ? change.event.payload.organizationId : null;
    return typeof id === 'string' ? organizationsById(ctx).load(id) : null;
  }
}

export const bulletinResolvers = [BulletinResolver, BulletinRecipientResolver, BulletinWatchResolver, CheckpointWatchResolver, BulletinChangeResolver] as const;
