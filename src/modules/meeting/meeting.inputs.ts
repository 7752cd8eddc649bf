import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { UserError } from '../../shared/errors';
import { AgendaItem, AgendaItemStatus, Meeting, MeetingFrequency, MeetingSeries, RsvpResponse } from './meeting.entity';

@InputType({ description: 'How a meeting recurs; each occurrence becomes its own meeting.' })
export class MeetingRecurrenceInput {
  @Field(() => MeetingFrequency, { description: 'Weekly or monthly.' })
  frequency!: MeetingFrequency;

  @Field(() => Int, { description: 'How many meetings to schedule, the first included (2 to 24).' })
  occurrences!: number;
}

@InputType({ description: 'A new joint meeting, one-off or recurring.' })
export class MeetingScheduleInput {
  @Field(() => ID, { description: 'The convening organisation; you must be an active member (not OBSERVER).' })
  convenerOrganizationId!: string;

  @Field({ description: 'Title (1-200 characters), e.g. 治安聯席會議.' })
  title!: string;

  @Field(() => String, { nullable: true, description: 'Purpose and background (up to 5,000 characters).' })
  description?: string | null;

  @Field(() => String, { nullable: true, description: 'Where it is held (up to 500 characters).' })
  location?: string | null;

  @Field(() => ID, { description: 'The area the meeting concerns (e.g. the police station jurisdiction).' })
  areaId!: string;

  @Field({ description: 'When the (first) meeting starts.' })
  startsAt!: Date;

  @Field({ description: 'When the (first) meeting ends; after the start, at most 24 hours later.' })
  endsAt!: Date;

  @Field(() => [ID], { description: 'Invited organisations (at most 50); the convener takes part without being listed.' })
  participantOrganizationIds!: string[];

  @Field(() => MeetingRecurrenceInput, { nullable: true, description: 'Makes a series: one meeting per occurrence. Omit for a one-off meeting.' })
  recurrence?: MeetingRecurrenceInput | null;
}

@InputType({ description: 'Changes to a scheduled meeting. Omitted fields stay as they are.' })
export class MeetingUpdateInput {
  @Field(() => ID, { description: 'The meeting.' })
  id!: string;

  @Field(() => Int, { nullable: true, description: 'The version you read; when given and no longer current, the change is refused with CONFLICT.' })
  expectedVersion?: number | null;

  @Field(() => String, { nullable: true, description: 'New title.' })
  title?: string | null;

  @Field(() => String, { nullable: true, description: 'New description; an empty string clears it.' })
  description?: string | null;

  @Field(() => String, { nullable: true, description: 'New location; an empty string clears it.' })
  location?: string | null;

  @Field(() => Date, { nullable: true, description: 'New start (moves the meeting).' })
  startsAt?: Date | null;

  @Field(() => Date, { nullable: true, description: 'New end.' })
  endsAt?: Date | null;

  @Field(() => [ID], { nullable: true, description: 'Organisations to invite as well (at most 50).' })
  addParticipantOrganizationIds?: string[] | null;

  @Field(() => [ID], { nullable: true, description: 'Organisations to uninvite (not the convener).' })
  removeParticipantOrganizationIds?: string[] | null;
}

@InputType({ description: 'Calls off a scheduled meeting.' })
export class MeetingCancelInput {
  @Field(() => ID, { description: 'The meeting.' })
  id!: string;

  @Field(() => Int, { nullable: true, description: 'The version you read; CONFLICT when no longer current.' })
  expectedVersion?: number | null;

  @Field(() => String, { nullable: true, description: 'Why it is called off (up to 1,000 characters).' })
  reason?: string | null;
}

@InputType({ description: 'Opens a scheduled meeting.' })
export class MeetingStartInput {
  @Field(() => ID, { description: 'The meeting.' })
  id!: string;

  @Field(() => Int, { nullable: true, description: 'The version you read; CONFLICT when no longer current.' })
  expectedVersion?: number | null;
}

@InputType({ description: 'Closes a meeting and records who attended.' })
export class MeetingConcludeInput {
  @Field(() => ID, { description: 'The meeting.' })
  id!: string;

  @Field(() => Int, { nullable: true, description: 'The version you read; CONFLICT when no longer current.' })
  expectedVersion?: number | null;

  @Field(() => [ID], { description: 'Participating organisations that attended; every other participant is recorded as absent.' })
  attendedOrganizationIds!: string[];
}

@InputType({ description: "A participating organisation's reply to a meeting invitation." })
export class MeetingRsvpInput {
  @Field(() => ID, { description: 'The meeting.' })
  meetingId!: string;

  @Field(() => ID, { description: 'The participating organisation you answer for; you must be an active member.' })
  organizationId!: string;

  @Field(() => RsvpResponse, { description: 'The reply.' })
  response!: RsvpResponse;

  @Field(() => ID, { nullable: true, description: 'Who will represent the organisation; must be one of its members.' })
  representativeUserId?: string | null;

  @Field(() => String, { nullable: true, description: 'A note with the reply (up to 1,000 characters).' })
  note?: string | null;
}

@InputType({ description: 'Proposes an item for the agenda of a meeting.' })
export class AgendaItemAddInput {
  @Field(() => ID, { description: 'The meeting.' })
  meetingId!: string;

  @Field({ description: 'Title (1-200 characters).' })
  title!: string;

  @Field(() => String, { nullable: true, description: 'What is to be discussed (up to 5,000 characters).' })
  description?: string | null;

  @Field(() => ID, { nullable: true, description: 'The participating organisation proposing the item; default the first participant you act for. Items proposed by the convener are accepted at once.' })
  proposedByOrganizationId?: string | null;

  @Field(() => ID, { nullable: true, description: 'The participating organisation presenting the item; default the proposer.' })
  presenterOrganizationId?: string | null;

  @Field(() => Int, { nullable: true, description: 'Minutes planned (1-480); default 10.' })
  plannedMinutes?: number | null;

  @Field(() => ID, { nullable: true, description: 'Global id of a Case, Consultation or Contract the item concerns.' })
  linkedRecordId?: string | null;
}

@InputType({ description: 'Changes to an agenda item. Omitted fields stay as they are.' })
export class AgendaItemUpdateInput {
  @Field(() => ID, { description: 'The agenda item.' })
  id!: string;

  @Field(() => Int, { description: 'The version you read; of two edits of the same version exactly one wins, the other is refused with CONFLICT.' })
  expectedVersion!: number;

  @Field(() => String, { nullable: true, description: 'New title.' })
  title?: string | null;

  @Field(() => String, { nullable: true, description: 'New description; an empty string clears it.' })
  description?: string | null;

  @Field(() => ID, { nullable: true, description: 'New presenting organisation (a participant).' })
  presenterOrganizationId?: string | null;

  @Field(() => Int, { nullable: true, description: 'New planned minutes (1-480).' })
  plannedMinutes?: number | null;

  @Field(() => ID, { nullable: true, description: 'New linked Case, Consultation or Contract; an empty string removes the link.' })
  linkedRecordId?: string | null;
}

@InputType({ description: 'Moves an agenda item to another place. The convener only.' })
export class AgendaItemMoveInput {
  @Field(() => ID, { description: 'The agenda item.' })
  id!: string;

  @Field(() => Int, { nullable: true, description: 'The version you read; CONFLICT when no longer current.' })
  expectedVersion?: number | null;

  @Field(() => Int, { description: 'New place, 1 for the first; at most the number of items.' })
  position!: number;
}

@InputType({ description: 'Withdraws an agenda item that has not been discussed.' })
export class AgendaItemRemoveInput {
  @Field(() => ID, { description: 'The agenda item.' })
  id!: string;

  @Field(() => Int, { nullable: true, description: 'The version you read; CONFLICT when no longer current.' })
  expectedVersion?: number | null;
}

@InputType({ description: 'Accepts a proposed agenda item. The convener only.' })
export class AgendaItemAcceptInput {
  @Field(() => ID, { description: 'The agenda item.' })
  id!: string;

  @Field(() => Int, { nullable: true, description: 'The version you read; CONFLICT when no longer current.' })
  expectedVersion?: number | null;
}

@InputType({ description: 'Records the minutes and the decision of an agenda item, marking it DISCUSSED or DEFERRED. The convener only, once the meeting has started.' })
export class AgendaItemRecordOutcomeInput {
  @Field(() => ID, { description: 'The agenda item.' })
  id!: string;

  @Field(() => Int, { nullable: true, description: 'The version you read; CONFLICT when no longer current.' })
  expectedVersion?: number | null;

  @Field(() => AgendaItemStatus, { description: 'DISCUSSED or DEFERRED (deferred items carry over to the next meeting of the series).' })
  status!: AgendaItemStatus;

  @Field(() => String, { nullable: true, description: 'Minutes of the discussion (up to 20,000 characters); omitted keeps them.' })
  minutes?: string | null;

  @Field(() => String, { nullable: true, description: 'What was decided (up to 5,000 characters); omitted keeps it.' })
  decision?: string | null;
}

@ObjectType({ description: 'Result of `meetingSchedule`.' })
export class MeetingSchedulePayload {
  @Field(() => Meeting, { nullable: true, description: 'The (first) meeting; null when refused.' })
  meeting?: Meeting | null;

  @Field(() => MeetingSeries, { nullable: true, description: 'The series when a recurrence was given; its `meetings` lists every occurrence.' })
  series?: MeetingSeries | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of a change to a meeting.' })
export class MeetingPayload {
  @Field(() => Meeting, { nullable: true, description: 'The meeting as it is now; null when refused.' })
  meeting?: Meeting | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of a change to an agenda item.' })
export class AgendaItemPayload {
  @Field(() => AgendaItem, { nullable: true, description: 'The agenda item as it is now; null when refused.' })
  agendaItem?: AgendaItem | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of `agendaItemRemove`.' })
export class AgendaItemRemovePayload {
  @Field(() => ID, { nullable: true, description: 'Global id of the removed item; null when refused.' })
  removedAgendaItemId?: string | null;

  @Field(() => Meeting, { nullable: true, description: 'The meeting, whose agenda closed the gap; null when refused.' })
  meeting?: Meeting | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}
