import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Node } from '../node/node.type';
import { toGlobalId } from '../../shared/relay/global-id';

export enum ActionItemStatus {
  OPEN = 'OPEN',
  IN_PROGRESS = 'IN_PROGRESS',
  DONE = 'DONE',
  CANCELLED = 'CANCELLED',
}

registerEnumType(ActionItemStatus, {
  name: 'ActionItemStatus',
  description: 'Where an action item stands: OPEN > IN_PROGRESS > DONE, or CANCELLED.',
  valuesConfig: {
    OPEN: { description: 'Assigned, not yet started.' },
    IN_PROGRESS: { description: 'Being worked on.' },
    DONE: { description: 'Completed.' },
    CANCELLED: { description: 'Dropped by the convener.' },
  },
});

/** Statuses in which an item still counts as work to do (and can be overdue). */
export const OPEN_ACTION_STATUSES = [ActionItemStatus.OPEN, ActionItemStatus.IN_PROGRESS];

@Entity('action_item')
@ObjectType({ implements: Node, description: 'A decision turned into work: responsible organisation, leader and handler (定單位、定領導、定責任人), due date and status.' })
export class ActionItem implements Node {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('ActionItem', this.id);
  }

  @Column('uuid')
  meetingId!: string;

  @Column('uuid')
  agendaItemId!: string;

  @Column('text')
  @Field({ description: 'What is to be done.' })
  title!: string;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'Details of the work.' })
  description!: string | null;

  @Column('uuid')
  responsibleOrganizationId!: string;

  @Column('uuid')
  leaderUserId!: string;

  @Column('uuid')
  handlerUserId!: string;

  @Column('date')
  @Field(() => LocalDateResolver, { description: 'Last day for the work (China Standard Time).' })
  dueOn!: string;

  @Column('text')
  @Field(() => ActionItemStatus, { description: 'Where the work stands.' })
  status!: ActionItemStatus;

  @Column('timestamptz', { nullable: true })
  @Field(() => Date, { nullable: true, description: 'When the work was completed; null unless DONE.' })
  completedAt!: Date | null;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'What was done, recorded on completion.' })
  completionNote!: string | null;

  @Column('uuid', { nullable: true })
  createdByUserId!: string | null;

  @Column('int', { default: 1 })
  @Field(() => Int, { description: 'Increments with every change; pass it back as `expectedVersion`.' })
  version!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  @Field({ description: 'When the action item was created.' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  @Field({ description: 'When the action item was last changed.' })
  updatedAt!: Date;
}
