import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../node/node.type';
import { toGlobalId } from '../../shared/relay/global-id';
import { valueObject, WHY } from '../../shared/relay/value-object';

export enum ConsultationStatus {
  OPEN = 'OPEN',
  CLOSED = 'CLOSED',
}

registerEnumType(ConsultationStatus, {
  name: 'ConsultationStatus',
  description: 'Whether a consultation still takes positions and proposals.',
  valuesConfig: {
    OPEN: { description: 'Participants state positions and add proposals until the closing date.' },
    CLOSED: { description: 'Closed by the convener with a recorded outcome. Final.' },
  },
});

export enum ConsultationStance {
  SUPPORT = 'SUPPORT',
  OPPOSE = 'OPPOSE',
  AMEND = 'AMEND',
  ABSTAIN = 'ABSTAIN',
}

registerEnumType(ConsultationStance, {
  name: 'ConsultationStance',
  description: "An organisation's position on the question.",
  valuesConfig: {
    SUPPORT: { description: 'In favour.' },
    OPPOSE: { description: 'Against.' },
    AMEND: { description: 'In favour if changed (say how in the statement or a proposal).' },
    ABSTAIN: { description: 'Takes no position.' },
  },
});

/** Record types a consultation outcome may link to. */
export const CONSULTATION_LINK_TYPES = ['Contract', 'AgendaItem', 'ActionItem'] as const;

@Entity('consultation')
@ObjectType({ implements: Node, description: 'A consultation (協商): a question one organisation puts to invited organisations, who state positions and proposals before it closes with an outcome. Visible to the convener, the invited organisations and platform admins.' })
export class Consultation implements Node {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('Consultation', this.id);
  }

  @Column('uuid')
  convenerOrganizationId!: string;

  @Column('text')
  @Field({ description: 'The question put to the participants, e.g. 是否將夜間巡邏延長至凌晨兩點？' })
  question!: string;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'Background the participants need.' })
  background!: string | null;

  @Column('date')
  @Field(() => LocalDateResolver, { description: 'Last day positions and proposals are taken.' })
  closesOn!: string;

  @Column('text')
  @Field(() => ConsultationStatus, { description: 'Open or closed.' })
  status!: ConsultationStatus;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'The recorded outcome; null while open.' })
  outcome!: string | null;

  @Column('text', { nullable: true })
  outcomeLinkType!: string | null;

  @Column('uuid', { nullable: true })
  outcomeLinkId!: string | null;

  @Column({ type: 'timestamptz', nullable: true, precision: 3 })
  @Field(() => Date, { nullable: true, description: 'When it was closed.' })
  closedAt!: Date | null;

  @Column('uuid', { nullable: true })
  closedByUserId!: string | null;

  @Column('uuid', { nullable: true })
  openedByUserId!: string | null;

  @Column('int', { default: 1 })
  @Field(() => Int, { description: 'Increments with every change (positions and proposals included); pass it back as `expectedVersion` when closing.' })
  version!: number;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  @Field({ description: 'When it was opened.' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  @Field({ description: 'When it last changed.' })
  updatedAt!: Date;

  /** The community whose residents may state positions (consultationOpenToResidents); null when it is not open to residents. */
  @Column('uuid', { nullable: true })
  residentAreaId!: string | null;
}

@Entity('consultation_invitee')
export class ConsultationInvitee {
  @PrimaryColumn('uuid')
  consultationId!: string;

  @PrimaryColumn('uuid')
  organizationId!: string;
}

@Entity('consultation_position')
@ObjectType({ implements: Node, description: "One organisation's position; each participant has at most one and may change it until the consultation closes (the id stays)." })
export class ConsultationPosition implements Node {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('ConsultationPosition', this.id);
  }

  @Column('uuid')
  consultationId!: string;

  @Column('uuid')
  organizationId!: string;

  @Column('text')
  @Field(() => ConsultationStance, { description: 'The stance.' })
  stance!: ConsultationStance;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'Why, in the organisation\'s words.' })
  statement!: string | null;

  @Column('uuid', { nullable: true })
  statedByUserId!: string | null;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  @Field({ description: 'When the position was first stated.' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  @Field({ description: 'When it was last changed.' })
  updatedAt!: Date;
}

@Entity('consultation_proposal')
@ObjectType({ implements: Node, description: 'A concrete proposal made during a consultation.' })
export class ConsultationProposal implements Node {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('ConsultationProposal', this.id);
  }

  @Column('uuid')
  consultationId!: string;

  @Column('uuid')
  organizationId!: string;

  @Column('text')
  @Field({ description: 'The proposal.' })
  text!: string;

  @Column('uuid', { nullable: true })
  proposedByUserId!: string | null;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  @Field({ description: 'When it was made.' })
  createdAt!: Date;
}

@ObjectType({ description: valueObject('Positions counted per stance, and who has not answered yet.', WHY.computed) })
export class ConsultationPositionSummary {
  @Field(() => Int, { description: 'Organisations in favour.' })
  support!: number;

  @Field(() => Int, { description: 'Organisations against.' })
  oppose!: number;

  @Field(() => Int, { description: 'Organisations in favour if changed.' })
  amend!: number;

  @Field(() => Int, { description: 'Organisations abstaining.' })
  abstain!: number;

  @Field(() => Int, { description: 'Invited organisations.' })
  invited!: number;

  @Field(() => Int, { description: 'Invited organisations that have stated a position.' })
  answered!: number;

  notAnsweredIds!: string[];
}
