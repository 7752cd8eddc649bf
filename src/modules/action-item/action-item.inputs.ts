import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { UserError } from '../../shared/errors';
import { ActionItem, ActionItemStatus } from './action-item.entity';

@InputType({ description: 'Turns a decision into work (定單位、定領導、定責任人). The convener only.' })
export class ActionItemCreateInput {
  @Field(() => ID, { description: 'The DISCUSSED agenda item whose decision this implements.' })
  agendaItemId!: string;

  @Field({ description: 'What is to be done (1-200 characters).' })
  title!: string;

  @Field(() => String, { nullable: true, description: 'Details (up to 5,000 characters).' })
  description?: string | null;

  @Field(() => ID, { description: 'The responsible organisation (定單位).' })
  responsibleOrganizationId!: string;

  @Field(() => ID, { description: 'The responsible leader (定領導); a member of the responsible organisation.' })
  leaderUserId!: string;

  @Field(() => ID, { description: 'The person doing the work (定責任人); a member of the responsible organisation.' })
  handlerUserId!: string;

  @Field(() => LocalDateResolver, { description: 'Last day for the work; not before the meeting.' })
  dueOn!: string;
}

@InputType({ description: 'Changes to an action item. Omitted fields stay as they are. Title, description, due date and cancelling are for the convener; progress and people also for the responsible organisation.' })
export class ActionItemUpdateInput {
  @Field(() => ID, { description: 'The action item.' })
  id!: string;

  @Field(() => Int, { nullable: true, description: 'The version you read; CONFLICT when no longer current.' })
  expectedVersion?: number | null;

  @Field(() => String, { nullable: true, description: 'New title.' })
  title?: string | null;

  @Field(() => String, { nullable: true, description: 'New description; an empty string clears it.' })
  description?: string | null;

  @Field(() => ID, { nullable: true, description: 'New leader; a member of the responsible organisation.' })
  leaderUserId?: string | null;

  @Field(() => ID, { nullable: true, description: 'New handler; a member of the responsible organisation.' })
  handlerUserId?: string | null;

  @Field(() => LocalDateResolver, { nullable: true, description: 'New due date.' })
  dueOn?: string | null;

  @Field(() => ActionItemStatus, { nullable: true, description: 'OPEN, IN_PROGRESS, or CANCELLED (convener only). Use `actionItemComplete` for DONE.' })
  status?: ActionItemStatus | null;
}

@InputType({ description: 'Marks an action item done.' })
export class ActionItemCompleteInput {
  @Field(() => ID, { description: 'The action item.' })
  id!: string;

  @Field(() => Int, { nullable: true, description: 'The version you read; CONFLICT when no longer current.' })
  expectedVersion?: number | null;

  @Field(() => String, { nullable: true, description: 'What was done (up to 5,000 characters).' })
  note?: string | null;
}

@ObjectType({ description: 'Result of a change to an action item.' })
export class ActionItemPayload {
  @Field(() => ActionItem, { nullable: true, description: 'The action item as it is now; null when refused.' })
  actionItem?: ActionItem | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}
