import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { AppContext } from '../../shared/context';
import { Access, AccessLevel } from '../../shared/auth/policy';
import { Connection, ConnectionArgs, toConnection } from '../../shared/relay/connection';
import { filterId } from '../../shared/relay/global-id';
import { withUserErrors } from '../../shared/transaction';
import { registerNodeType } from '../node/node.registry';
import { Organization } from '../organization/organization.entity';
import { organizationsById } from '../organization/organization.loaders';
import { User } from '../user/user.entity';
import { usersById } from '../user/user.loaders';
import { AgendaItem, Meeting } from '../meeting/meeting.entity';
import { findAgendaItem, findMeeting } from '../meeting/meeting.service';
import { ActionItem, ActionItemStatus } from './action-item.entity';
import { ActionItemCompleteInput, ActionItemCreateInput, ActionItemPayload, ActionItemUpdateInput } from './action-item.inputs';
import { completeActionItem, createActionItem, findActionItem, isOverdue, listActionItems, updateActionItem } from './action-item.service';

const ActionItemConnection = Connection(ActionItem);

registerNodeType('ActionItem', (ctx, id) => findActionItem(ctx, id));

@Resolver(() => ActionItem)
export class ActionItemResolver {
  @Query(() => ActionItemConnection, {
    description: "Action items the viewer may see (those of meetings they take part in, and those their organisation is responsible for), earliest due first.",
  })
  @Access(AccessLevel.SIGNED_IN)
  async actionItems(
    @Ctx() ctx: AppContext,
    @Args() page: ConnectionArgs,
    @Arg('responsibleOrganizationId', () => ID, { nullable: true, description: 'Only items this organisation is responsible for.' }) responsibleOrganizationId?: string,
    @Arg('statuses', () => [ActionItemStatus], { nullable: true, description: 'Only items in these statuses.' }) statuses?: ActionItemStatus[],
    @Arg('overdue', () => Boolean, { nullable: true, description: 'true: only open items past their due date; false: only items that are not overdue.' }) overdue?: boolean,
    @Arg('meetingId', () => ID, { nullable: true, description: 'Only items decided at this meeting.' }) meetingId?: string,
    @Arg('seriesId', () => ID, { nullable: true, description: 'Only items decided at meetings of this series.' }) seriesId?: string,
  ) {
    return toConnection(
      await listActionItems(
        ctx,
        {
          responsibleOrganizationId: filterId(responsibleOrganizationId, 'Organization'),
          meetingId: filterId(meetingId, 'Meeting'),
          seriesId: filterId(seriesId, 'MeetingSeries'),
          statuses,
          overdue,
        },
        page,
      ),
    );
  }

  @Mutation(() => ActionItemPayload, { description: 'Turns the decision of a DISCUSSED agenda item into work with a responsible organisation, leader, handler and due date. The convener.' })
  @Access(AccessLevel.WRITE)
  actionItemCreate(@Ctx() ctx: AppContext, @Arg('input', { description: 'The work.' }) input: ActionItemCreateInput) {
    return withUserErrors<ActionItemPayload>(() => createActionItem(ctx, input));
  }

  @Mutation(() => ActionItemPayload, { description: 'Updates an open action item: progress and people (the responsible organisation or the convener), what and by when, or cancelling (the convener).' })
  @Access(AccessLevel.WRITE)
  actionItemUpdate(@Ctx() ctx: AppContext, @Arg('input', { description: 'What to change.' }) input: ActionItemUpdateInput) {
    return withUserErrors<ActionItemPayload>(() => updateActionItem(ctx, input));
  }

  @Mutation(() => ActionItemPayload, { description: 'Marks an open action item DONE. The responsible organisation or the convener.' })
  @Access(AccessLevel.WRITE)
  actionItemComplete(@Ctx() ctx: AppContext, @Arg('input', { description: 'The item and what was done.' }) input: ActionItemCompleteInput) {
    return withUserErrors<ActionItemPayload>(() => completeActionItem(ctx, input));
  }

  @FieldResolver(() => Boolean, { description: 'Whether the item is still open after its due date (China Standard Time).' })
  overdue(@Root() item: ActionItem): boolean {
    return isOverdue(item);
  }

  @FieldResolver(() => Organization, { description: 'The responsible organisation (定單位).' })
  responsibleOrganization(@Root() item: ActionItem, @Ctx() ctx: AppContext) {
    return organizationsById(ctx).load(item.responsibleOrganizationId);
  }

  @FieldResolver(() => User, { description: 'The responsible leader (定領導).' })
  leader(@Root() item: ActionItem, @Ctx() ctx: AppContext) {
    return usersById(ctx).load(item.leaderUserId);
  }

  @FieldResolver(() => User, { description: 'The person doing the work (定責任人).' })
  handler(@Root() item: ActionItem, @Ctx() ctx: AppContext) {
    return usersById(ctx).load(item.handlerUserId);
  }

  @FieldResolver(() => Meeting, { nullable: true, description: 'The meeting that decided it; null when you may not see that meeting (e.g. you only hold the responsibility).' })
  meeting(@Root() item: ActionItem, @Ctx() ctx: AppContext) {
    return findMeeting(ctx, item.meetingId);
  }

  @FieldResolver(() => AgendaItem, { nullable: true, description: 'The agenda item whose decision it implements; null when you may not see the meeting.' })
  agendaItem(@Root() item: ActionItem, @Ctx() ctx: AppContext) {
    return findAgendaItem(ctx, item.agendaItemId);
  }
}
