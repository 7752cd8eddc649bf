import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Node } from '../node/node.type';
import { toGlobalId } from '../../shared/relay/global-id';

export enum MeetingStatus {
  SCHEDULED = 'SCHEDULED',
  IN_PROGRESS = 'IN_PROGRESS',
  CONCLUDED = 'CONCLUDED',
  CANCELLED = 'CANCELLED',
}

registerEnumType(MeetingStatus, {
  name: 'MeetingStatus',
  description: 'Where a meeting stands: SCHEDULED > IN_PROGRESS > CONCLUDED, or CANCELLED before it starts.',
  valuesConfig: {
    SCHEDULED: { description: 'Planned; participants may reply and propose agenda items.' },
    IN_PROGRESS: { description: 'Being held; the convener records minutes and decisions.' },
    CONCLUDED: { description: 'Held and closed; attendance is recorded.' },
    CANCELLED: { description: 'Called off before it was held.' },
  },
});

export enum MeetingFrequency {
  WEEKLY = 'WEEKLY',
  MONTHLY = 'MONTHLY',
}

registerEnumType(MeetingFrequency, {
  name: 'MeetingFrequency',
  description: 'How often the meetings of a series recur.',
  valuesConfig: {
    WEEKLY: { description: 'Every week, on the same weekday and time.' },
    MONTHLY: { description: 'Every month, on the same day of the month (the last day when a month is shorter) and time.' },
  },
});

export enum RsvpResponse {
  ATTENDING = 'ATTENDING',
  DECLINED = 'DECLINED',
  TENTATIVE = 'TENTATIVE',
}

registerEnumType(RsvpResponse, {
  name: 'RsvpResponse',
  description: "A participating organisation's reply to a meeting invitation.",
  valuesConfig: {
    ATTENDING: { description: 'Will attend, usually with a named representative.' },
    DECLINED: { description: 'Will not attend.' },
    TENTATIVE: { description: 'May attend; not yet certain.' },
  },
});

export enum AgendaItemStatus {
  PROPOSED = 'PROPOSED',
  ACCEPTED = 'ACCEPTED',
  DISCUSSED = 'DISCUSSED',
  DEFERRED = 'DEFERRED',
}

registerEnumType(AgendaItemStatus, {
  name: 'AgendaItemStatus',
  description: 'Where an agenda item stands: PROPOSED > ACCEPTED > DISCUSSED or DEFERRED.',
  valuesConfig: {
    PROPOSED: { description: 'Proposed by a participant; awaits the convener.' },
    ACCEPTED: { description: 'Accepted onto the agenda by the convener.' },
    DISCUSSED: { description: 'Discussed at the meeting; minutes and decision recorded.' },
    DEFERRED: { description: 'Put off; carried over to the next meeting of the series.' },
  },
});

/** Record types an agenda item may link to (global id type names). */
export const AGENDA_LINK_TYPES = ['Case', 'Consultation', 'Contract'] as const;

@Entity('meeting_series')
@ObjectType({ implements: Node, description: 'A recurring joint meeting, e.g. the monthly 治安聯席會議 of a police station; each occurrence is its own meeting.' })
export class MeetingSeries implements Node {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('MeetingSeries', this.id);
  }

  @Column('uuid')
  convenerOrganizationId!: string;

  @Column('text')
  @Field({ description: 'Title shared by the meetings of the series.' })
  title!: string;

  @Column('text')
  @Field(() => MeetingFrequency, { description: 'How often the meetings recur.' })
  frequency!: MeetingFrequency;

  @CreateDateColumn({ type: 'timestamptz' })
  @Field({ description: 'When the series was scheduled.' })
  createdAt!: Date;
}

@Entity('meeting')
@ObjectType({ implements: Node, description: 'A joint meeting (聯席會議) of organisations: convener, participants, ordered agenda, minutes, decisions and action items.' })
export class Meeting implements Node {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('Meeting', this.id);
  }

  @Column('uuid', { nullable: true })
  seriesId!: string | null;

  @Column('int', { nullable: true })
  @Field(() => Int, { nullable: true, description: 'Number of this meeting within its series (1 for the first); null for a one-off meeting.' })
  occurrence!: number | null;

  @Column('uuid')
  convenerOrganizationId!: string;

  @Column('uuid')
  areaId!: string;

  @Column('text')
  @Field({ description: 'Title, e.g. 三月份治安聯席會議.' })
  title!: string;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'Purpose and background of the meeting.' })
  description!: string | null;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'Where the meeting is held, e.g. 派出所二樓會議室.' })
  location!: string | null;

  @Column('timestamptz')
  @Field({ description: 'When the meeting starts.' })
  startsAt!: Date;

  @Column('timestamptz')
  @Field({ description: 'When the meeting is planned to end.' })
  endsAt!: Date;

  @Column('text')
  @Field(() => MeetingStatus, { description: 'Where the meeting stands.' })
  status!: MeetingStatus;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'Why the meeting was cancelled; null unless CANCELLED.' })
  cancelReason!: string | null;

  @Column('timestamptz', { nullable: true })
  @Field(() => Date, { nullable: true, description: 'When the convener opened the meeting.' })
  startedAt!: Date | null;

  @Column('timestamptz', { nullable: true })
  @Field(() => Date, { nullable: true, description: 'When the convener concluded the meeting.' })
  concludedAt!: Date | null;

  @Column('timestamptz', { nullable: true })
  @Field(() => Date, { nullable: true, description: 'When the meeting was cancelled.' })
  cancelledAt!: Date | null;

  @Column('uuid', { nullable: true })
  createdByUserId!: string | null;

  @Column('int', { default: 1 })
  @Field(() => Int, { description: 'Increments with every change to the meeting itself (not its agenda); pass it back as `expectedVersion`.' })
  version!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  @Field({ description: 'When the meeting was scheduled.' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  @Field({ description: 'When the meeting was last changed.' })
  updatedAt!: Date;
}

@Entity('meeting_participant')
@ObjectType({ implements: Node, description: 'An organisation invited to a meeting (the convener is one too), with its reply and attendance.' })
export class MeetingParticipant implements Node {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('MeetingParticipant', this.id);
  }

  @Column('uuid')
  meetingId!: string;

  @Column('uuid')
  organizationId!: string;

  @Column('boolean', { default: false })
  @Field({ description: 'Whether this is the convening organisation.' })
  isConvener!: boolean;

  @Column('text', { nullable: true })
  @Field(() => RsvpResponse, { nullable: true, description: 'The reply; null until the organisation answers.' })
  rsvp!: RsvpResponse | null;

  @Column('uuid', { nullable: true })
  representativeUserId!: string | null;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'Note given with the reply.' })
  rsvpNote!: string | null;

  @Column('timestamptz', { nullable: true })
  @Field(() => Date, { nullable: true, description: 'When the organisation last replied.' })
  respondedAt!: Date | null;

  @Column('boolean', { nullable: true })
  @Field(() => Boolean, { nullable: true, description: 'Whether the organisation attended; recorded when the meeting concludes, null before.' })
  attended!: boolean | null;

  @CreateDateColumn({ type: 'timestamptz' })
  @Field({ description: 'When the organisation was invited.' })
  createdAt!: Date;
}

@Entity('agenda_item')
@ObjectType({ implements: Node, description: 'An item on the ordered agenda of a meeting, with its presenter, minutes and decision.' })
export class AgendaItem implements Node {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('AgendaItem', this.id);
  }

  @Column('uuid')
  meetingId!: string;

  @Column('int')
  @Field(() => Int, { description: 'Place on the agenda, 1 for the first item.' })
  position!: number;

  @Column('text')
  @Field({ description: 'Title of the item.' })
  title!: string;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'What is to be discussed.' })
  description!: string | null;

  @Column('uuid')
  proposedByOrganizationId!: string;

  @Column('uuid', { nullable: true })
  proposedByUserId!: string | null;

  @Column('uuid')
  presenterOrganizationId!: string;

  @Column('int', { default: 10 })
  @Field(() => Int, { description: 'Minutes planned for the item.' })
  plannedMinutes!: number;

  @Column('text')
  @Field(() => AgendaItemStatus, { description: 'Where the item stands.' })
  status!: AgendaItemStatus;

  @Column('text', { nullable: true })
  linkType!: string | null;

  @Column('uuid', { nullable: true })
  linkId!: string | null;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'Minutes of the discussion (會議紀要).' })
  minutes!: string | null;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'What was decided; action items are created from it.' })
  decision!: string | null;

  @Column('uuid', { nullable: true })
  carriedFromItemId!: string | null;

  @Column('uuid', { nullable: true })
  sourceActionItemId!: string | null;

  @Column('int', { default: 1 })
  @Field(() => Int, { description: 'Increments with every change; pass it back as `expectedVersion` so two concurrent edits cannot overwrite each other.' })
  version!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  @Field({ description: 'When the item was proposed.' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  @Field({ description: 'When the item was last changed.' })
  updatedAt!: Date;
}
