import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { AppContext } from '../../shared/context';
import { notFound } from '../../shared/errors';
import { Access, AccessLevel } from '../../shared/auth/policy';
import type { EventRecord } from '../../shared/events/event.entity';
import { eventStream, parseCursor } from '../../shared/events/event-stream';
import { Connection, ConnectionArgs, paginateArray, toConnection, type Page } from '../../shared/relay/connection';
import { planned } from '../../shared/read-plan/planned';
import { filterId, idOf } from '../../shared/relay/global-id';
import { withUserErrors } from '../../shared/transaction';
import { Area } from '../area/area.entity';
import { areasById } from '../area/area.loaders';
import { Node } from '../node/node.type';
import { registerNodeType } from '../node/node.registry';
import { Organization } from '../organization/organization.entity';
import { organizationsById } from '../organization/organization.loaders';
import { User } from '../user/user.entity';
import { usersById } from '../user/user.loaders';
import { ActionItem } from '../action-item/action-item.entity';
import { actionItemsByAgendaItemId, actionItemsByMeetingId } from '../action-item/action-item.loaders';
import { findActionItem } from '../action-item/action-item.service';
import { AgendaItem, Meeting, MeetingParticipant, MeetingSeries, MeetingStatus } from './meeting.entity';
import { MeetingChange, toMeetingChange } from './meeting.events';
import {
  AgendaItemAcceptInput,
  AgendaItemAddInput,
  AgendaItemMoveInput,
  AgendaItemPayload,
  AgendaItemRecordOutcomeInput,
  AgendaItemRemoveInput,
  AgendaItemRemovePayload,
  AgendaItemUpdateInput,
  MeetingCancelInput,
  MeetingConcludeInput,
  MeetingPayload,
  MeetingRsvpInput,
  MeetingScheduleInput,
  MeetingSchedulePayload,
  MeetingStartInput,
  MeetingUpdateInput,
} from './meeting.inputs';
import { agendaItemsById, agendaItemsByMeetingId, meetingParticipantsById, meetingsById, participantsByMeetingId } from './meeting.loaders';
import {
  MEETING_FEED_TYPES,
  MEETING_TOPIC,
  acceptAgendaItem,
  addAgendaItem,
  cancelMeeting,
  concludeMeeting,
  findAgendaItem,
  findMeeting,
  findMeetingSeries,
  linkedRecord,
  listMeetings,
  moveAgendaItem,
  recordAgendaItemOutcome,
  removeAgendaItem,
  rsvpMeeting,
  scheduleMeeting,
  startMeeting,
  subscribableMeetingId,
  updateAgendaItem,
  updateMeeting,
  visibleSeriesMeetings,
} from './meeting.service';
import { agendaPageKey, plannedParticipants, readMeetingPlanned } from './meeting.read-plan';
import './meeting.jobs';

const MeetingConnection = Connection(Meeting);
const MeetingParticipantConnection = Connection(MeetingParticipant);
const AgendaItemConnection = Connection(AgendaItem);
const ActionItemConnection = Connection(ActionItem);

registerNodeType('Meeting', (ctx, id) => findMeeting(ctx, id));
registerNodeType('MeetingSeries', (ctx, id) => findMeetingSeries(ctx, id));
registerNodeType('AgendaItem', (ctx, id) => findAgendaItem(ctx, id));
// Replies and attendance are seen by whoever sees the meeting.
registerNodeType('MeetingParticipant', async (ctx, id) => {
  const participant = await meetingParticipantsById(ctx).load(id);
  return participant && (await findMeeting(ctx, participant.meetingId)) ? participant : null;
});

/** Subscribing to an unknown meeting and to one the viewer may not see fail alike. */

@Resolver(() => Meeting)
export class MeetingResolver {
  @Query(() => MeetingConnection, { description: 'Joint meetings the viewer may see (as convener or participant; platform admins see all), earliest first.' })
  @Access(AccessLevel.SIGNED_IN)
  async meetings(
    @Ctx() ctx: AppContext,
    @Args() page: ConnectionArgs,
    @Arg('organizationId', () => ID, { nullable: true, description: 'Only meetings this organisation convenes or takes part in.' }) organizationId?: string,
    @Arg('withinAreaId', () => ID, { nullable: true, description: 'Only meetings about this area or an area below it.' }) withinAreaId?: string,
    @Arg('statuses', () => [MeetingStatus], { nullable: true, description: 'Only meetings in these statuses.' }) statuses?: MeetingStatus[],
    @Arg('startsFrom', () => Date, { nullable: true, description: 'Only meetings starting at or after this time.' }) startsFrom?: Date,
    @Arg('startsBefore', () => Date, { nullable: true, description: 'Only meetings starting before this time.' }) startsBefore?: Date,
    @Arg('seriesId', () => ID, { nullable: true, description: 'Only meetings of this series.' }) seriesId?: string,
    @Arg('updatedSince', () => Date, { nullable: true, description: 'Only meetings changed at or after this time, for partners catching up by polling.' }) updatedSince?: Date,
  ) {
    return toConnection(
      await listMeetings(
        ctx,
        {
          organizationId: filterId(organizationId, 'Organization'),
          withinAreaId: filterId(withinAreaId, 'Area'),
          seriesId: filterId(seriesId, 'MeetingSeries'),
          statuses,
          startsFrom,
          startsBefore,
          updatedSince,
        },
        page,
      ),
    );
  }

  @Query(() => Meeting, { nullable: true, description: 'One meeting; null when unknown or not visible to the viewer.' })
  @Access(AccessLevel.SIGNED_IN)
  async meeting(@Ctx() ctx: AppContext, @Arg('id', () => ID, { description: 'Global id.' }) id: string, @Info() info?: GraphQLResolveInfo) {
    const meetingId = idOf(id, 'Meeting');
    const read = info ? await readMeetingPlanned(ctx, meetingId, info) : undefined;
    return read === undefined ? findMeeting(ctx, meetingId) : read;
  }

  @Mutation(() => MeetingSchedulePayload, { description: 'Schedules a joint meeting, or a weekly / monthly series with one meeting per occurrence. Active members of the convening organisation.' })
  @Access(AccessLevel.WRITE)
  meetingSchedule(@Ctx() ctx: AppContext, @Arg('input', { description: 'The meeting.' }) input: MeetingScheduleInput) {
    return withUserErrors<MeetingSchedulePayload>(() => scheduleMeeting(ctx, input));
  }

  @Mutation(() => MeetingPayload, { description: 'Changes (moves, re-invites) a SCHEDULED meeting. The convener.' })
  @Access(AccessLevel.WRITE)
  meetingUpdate(@Ctx() ctx: AppContext, @Arg('input', { description: 'What to change.' }) input: MeetingUpdateInput) {
    return withUserErrors<MeetingPayload>(() => updateMeeting(ctx, input));
  }

  @Mutation(() => MeetingPayload, { description: 'Calls off a SCHEDULED meeting. The convener.' })
  @Access(AccessLevel.WRITE)
  meetingCancel(@Ctx() ctx: AppContext, @Arg('input', { description: 'The meeting and why.' }) input: MeetingCancelInput) {
    return withUserErrors<MeetingPayload>(() => cancelMeeting(ctx, input));
  }

  @Mutation(() => MeetingPayload, { description: 'Opens a SCHEDULED meeting (IN_PROGRESS). The convener.' })
  @Access(AccessLevel.WRITE)
  meetingStart(@Ctx() ctx: AppContext, @Arg('input', { description: 'The meeting.' }) input: MeetingStartInput) {
    return withUserErrors<MeetingPayload>(() => startMeeting(ctx, input));
  }

  @Mutation(() => MeetingPayload, {
    description: 'Concludes a SCHEDULED or IN_PROGRESS meeting and records attendance. Accepted items not discussed are deferred; deferred items and overdue action items are offered to the next meeting of the series. The convener.',
  })
  @Access(AccessLevel.WRITE)
  meetingConclude(@Ctx() ctx: AppContext, @Arg('input', { description: 'The meeting and who attended.' }) input: MeetingConcludeInput) {
    return withUserErrors<MeetingPayload>(() => concludeMeeting(ctx, input));
  }

  @Mutation(() => MeetingPayload, { description: "Answers an invitation for a participating organisation, naming its representative. The organisation's active members." })
  @Access(AccessLevel.WRITE)
  meetingRsvp(@Ctx() ctx: AppContext, @Arg('input', { description: 'The reply.' }) input: MeetingRsvpInput) {
    return withUserErrors<MeetingPayload>(() => rsvpMeeting(ctx, input));
  }

  @FieldResolver(() => Organization, { description: 'The convening organisation.' })
  convener(@Root() meeting: Meeting, @Ctx() ctx: AppContext) {
    return planned<Organization>(ctx, 'Organization', meeting.convenerOrganizationId) ?? organizationsById(ctx).load(meeting.convenerOrganizationId);
  }

  @FieldResolver(() => Area, { description: 'The area the meeting concerns.' })
  area(@Root() meeting: Meeting, @Ctx() ctx: AppContext) {
    return planned<Area>(ctx, 'Area', meeting.areaId) ?? areasById(ctx).load(meeting.areaId);
  }

  @FieldResolver(() => MeetingSeries, { nullable: true, description: 'The series this meeting belongs to; null for a one-off meeting.' })
  series(@Root() meeting: Meeting, @Ctx() ctx: AppContext) {
    return meeting.seriesId ? findMeetingSeries(ctx, meeting.seriesId) : null;
  }

  @FieldResolver(() => MeetingParticipantConnection, { description: 'Invited organisations, convener first, then by name, with replies and attendance.' })
  participants(@Root() meeting: Meeting, @Ctx() ctx: AppContext, @Args() page: ConnectionArgs) {
    const kept = plannedParticipants(ctx, meeting.id);
    if (kept) return toConnection(paginateArray(kept, page, (p) => p.id));
    return participantsByMeetingId(ctx).load(meeting.id).then((all) => toConnection(paginateArray(all, page, (p) => p.id)));
  }

  @FieldResolver(() => AgendaItemConnection, { description: 'The agenda, in order.' })
  agendaItems(@Root() meeting: Meeting, @Ctx() ctx: AppContext, @Args() page: ConnectionArgs) {
    const kept = planned<Page<AgendaItem>>(ctx, 'Meeting.agendaItems', agendaPageKey(meeting.id, page));
    return kept ? toConnection(kept) : agendaItemsByMeetingId(ctx, meeting.id, page).then(toConnection);
  }

  @FieldResolver(() => ActionItemConnection, { description: 'Action items decided at this meeting, earliest due first.' })
  async actionItems(@Root() meeting: Meeting, @Ctx() ctx: AppContext, @Args() page: ConnectionArgs) {
    return toConnection(await actionItemsByMeetingId(ctx, meeting.id, page));
  }
}

@Resolver(() => MeetingSeries)
export class MeetingSeriesResolver {
  @FieldResolver(() => Organization, { description: 'The convening organisation.' })
  convener(@Root() series: MeetingSeries, @Ctx() ctx: AppContext) {
    return organizationsById(ctx).load(series.convenerOrganizationId);
  }

  @FieldResolver(() => MeetingConnection, { description: 'The meetings of the series you may see, earliest first.' })
  async meetings(@Root() series: MeetingSeries, @Ctx() ctx: AppContext, @Args() page: ConnectionArgs) {
    return toConnection(paginateArray(await visibleSeriesMeetings(ctx, series.id), page, (m) => m.id));
  }
}

@Resolver(() => MeetingParticipant)
export class MeetingParticipantResolver {
  @FieldResolver(() => Organization, { description: 'The invited organisation.' })
  organization(@Root() participant: MeetingParticipant, @Ctx() ctx: AppContext) {
    return planned<Organization>(ctx, 'Organization', participant.organizationId) ?? organizationsById(ctx).load(participant.organizationId);
  }

  @FieldResolver(() => User, { nullable: true, description: 'Who represents the organisation, as named in its reply.' })
  representative(@Root() participant: MeetingParticipant, @Ctx() ctx: AppContext) {
    return participant.representativeUserId ? usersById(ctx).load(participant.representativeUserId) : null;
  }
}

@Resolver(() => AgendaItem)
export class AgendaItemResolver {
  @Mutation(() => AgendaItemPayload, { description: 'Proposes an agenda item. Active members of any participating organisation; items of the convener are accepted at once.' })
  @Access(AccessLevel.WRITE)
  agendaItemAdd(@Ctx() ctx: AppContext, @Arg('input', { description: 'The item.' }) input: AgendaItemAddInput) {
    return withUserErrors<AgendaItemPayload>(() => addAgendaItem(ctx, input));
  }

  @Mutation(() => AgendaItemPayload, { description: 'Edits a PROPOSED or ACCEPTED agenda item; needs the version you read (CONFLICT otherwise). The proposing organisation or the convener.' })
  @Access(AccessLevel.WRITE)
  agendaItemUpdate(@Ctx() ctx: AppContext, @Arg('input', { description: 'What to change.' }) input: AgendaItemUpdateInput) {
    return withUserErrors<AgendaItemPayload>(() => updateAgendaItem(ctx, input));
  }

  @Mutation(() => AgendaItemPayload, { description: 'Moves an agenda item to another place; the others close up. The convener.' })
  @Access(AccessLevel.WRITE)
  agendaItemMove(@Ctx() ctx: AppContext, @Arg('input', { description: 'The item and its new place.' }) input: AgendaItemMoveInput) {
    return withUserErrors<AgendaItemPayload>(() => moveAgendaItem(ctx, input));
  }

  @Mutation(() => AgendaItemRemovePayload, { description: 'Withdraws an agenda item not yet discussed. The proposing organisation or the convener.' })
  @Access(AccessLevel.WRITE)
  agendaItemRemove(@Ctx() ctx: AppContext, @Arg('input', { description: 'The item.' }) input: AgendaItemRemoveInput) {
    return withUserErrors<AgendaItemRemovePayload>(() => removeAgendaItem(ctx, input));
  }

  @Mutation(() => AgendaItemPayload, { description: 'Accepts a PROPOSED agenda item. The convener.' })
  @Access(AccessLevel.WRITE)
  agendaItemAccept(@Ctx() ctx: AppContext, @Arg('input', { description: 'The item.' }) input: AgendaItemAcceptInput) {
    return withUserErrors<AgendaItemPayload>(() => acceptAgendaItem(ctx, input));
  }

  @Mutation(() => AgendaItemPayload, { description: 'Records minutes and decision of an agenda item and marks it DISCUSSED or DEFERRED. The convener, once the meeting has started.' })
  @Access(AccessLevel.WRITE)
  agendaItemRecordOutcome(@Ctx() ctx: AppContext, @Arg('input', { description: 'The outcome.' }) input: AgendaItemRecordOutcomeInput) {
    return withUserErrors<AgendaItemPayload>(() => recordAgendaItemOutcome(ctx, input));
  }

  @FieldResolver(() => Meeting, { description: 'The meeting whose agenda this is.' })
  meeting(@Root() item: AgendaItem, @Ctx() ctx: AppContext) {
    return meetingsById(ctx).load(item.meetingId);
  }

  @FieldResolver(() => Organization, { description: 'The organisation that proposed the item.' })
  proposedBy(@Root() item: AgendaItem, @Ctx() ctx: AppContext) {
    return planned<Organization>(ctx, 'Organization', item.proposedByOrganizationId) ?? organizationsById(ctx).load(item.proposedByOrganizationId);
  }

  @FieldResolver(() => Organization, { description: 'The organisation presenting the item.' })
  presenter(@Root() item: AgendaItem, @Ctx() ctx: AppContext) {
    return planned<Organization>(ctx, 'Organization', item.presenterOrganizationId) ?? organizationsById(ctx).load(item.presenterOrganizationId);
  }

  @FieldResolver(() => Node, { nullable: true, description: 'The Case, Consultation or Contract the item concerns; null when there is none or you may not see it.' })
  linkedRecord(@Root() item: AgendaItem, @Ctx() ctx: AppContext) {
    return linkedRecord(ctx, item);
  }

  @FieldResolver(() => AgendaItem, { nullable: true, description: 'The deferred item of an earlier meeting of the series this one carries over.' })
  carriedOverFrom(@Root() item: AgendaItem, @Ctx() ctx: AppContext) {
    return item.carriedFromItemId ? findAgendaItem(ctx, item.carriedFromItemId) : null;
  }

  @FieldResolver(() => ActionItem, { nullable: true, description: 'The overdue action item this agenda item was offered for.' })
  sourceActionItem(@Root() item: AgendaItem, @Ctx() ctx: AppContext) {
    return item.sourceActionItemId ? findActionItem(ctx, item.sourceActionItemId) : null;
  }

  @FieldResolver(() => ActionItemConnection, { description: 'Action items created from this item’s decision, earliest due first.' })
  async actionItems(@Root() item: AgendaItem, @Ctx() ctx: AppContext, @Args() page: ConnectionArgs) {
    return toConnection(await actionItemsByAgendaItemId(ctx, item.id, page));
  }
}

@Resolver(() => MeetingChange)
export class MeetingChangeResolver {
  @Subscription(() => MeetingChange, {
    description:
      'Every change to one meeting: status, participants, agenda, minutes, decisions and action items. Replays what came after `after` first, then goes live. A meeting you may not see fails exactly like an unknown id.',
    subscribe: async ({ args, context }) => {
      const ctx = context as AppContext;
      const after = parseCursor(args.after);
      const meetingId = await subscribableMeetingId(ctx, args.meetingId);
      if (!meetingId) throw notFound('Meeting');
      const stillAllowed = async (now: AppContext) => (await subscribableMeetingId(now, args.meetingId)) === meetingId;
      return eventStream(ctx, { topic: MEETING_TOPIC, subjectId: meetingId, stillAllowed }, after);
    },
  })
  @Access(AccessLevel.SIGNED_IN)
  meetingAgenda(
    @Root() event: EventRecord,
    @Arg('meetingId', () => ID, { description: 'Global id of the meeting.' }) _meetingId: string,
    @Arg('after', () => String, { nullable: true, description: 'Cursor of the last change you have; omit to receive only new changes.' }) _after?: string,
  ): MeetingChange {
    return toMeetingChange(event);
  }

  @Subscription(() => MeetingChange, {
    description: "Meetings scheduled, changed (moved, re-invited) or cancelled for any of the viewer's organisations. Replays what came after `after` first, then goes live.",
    subscribe: ({ args, context }) => {
      const ctx = context as AppContext;
      return eventStream(ctx, { topic: MEETING_TOPIC, types: MEETING_FEED_TYPES }, parseCursor(args.after));
    },
  })
  @Access(AccessLevel.SIGNED_IN)
  meetingsFeed(
    @Root() event: EventRecord,
    @Arg('after', () => String, { nullable: true, description: 'Cursor of the last change you have; omit to receive only new changes.' }) _after?: string,
  ): MeetingChange {
    return toMeetingChange(event);
  }

  @FieldResolver(() => Meeting, { nullable: true, description: 'The meeting as it is now; null if you may no longer see it.' })
  meeting(@Root() change: MeetingChange, @Ctx() ctx: AppContext) {
    return findMeeting(ctx, change.event.subjectId);
  }

  @FieldResolver(() => AgendaItem, { nullable: true, description: 'The agenda item concerned, as it is now; null when the change is not about one or it was removed.' })
  agendaItem(@Root() change: MeetingChange, @Ctx() ctx: AppContext) {
    const id = change.event.payload.agendaItemId;
    return typeof id === 'string' ? agendaItemsById(ctx).load(id) : null;
  }

  @FieldResolver(() => ActionItem, { nullable: true, description: 'The action item concerned, as it is now; null unless the change is about one.' })
  actionItem(@Root() change: MeetingChange, @Ctx() ctx: AppContext) {
    const id = change.event.payload.actionItemId;
    return typeof id === 'string' ? findActionItem(ctx, id) : null;
  }
}
