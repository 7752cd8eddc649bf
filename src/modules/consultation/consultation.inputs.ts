import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { UserError } from '../../shared/errors';
import { Consultation, ConsultationPosition, ConsultationProposal, ConsultationStance } from './consultation.entity';

@InputType({ description: 'A new consultation.' })
export class ConsultationOpenInput {
  @Field(() => ID, { description: 'The convening organisation; you must act for it.' })
  organizationId!: string;

  @Field({ description: 'The question (1-500 characters).' })
  question!: string;

  @Field(() => String, { nullable: true, description: 'Background (up to 10,000 characters).' })
  background?: string | null;

  @Field(() => [ID], { description: 'Organisations invited to take part (1 to 100, not the convener).' })
  invitedOrganizationIds!: string[];

  @Field(() => LocalDateResolver, { description: 'Last day positions and proposals are taken; today or later.' })
  closesOn!: string;
}

@InputType({ description: "An organisation's position; stating it again replaces the earlier one." })
export class ConsultationPositionStateInput {
  @Field(() => ID, { description: 'The consultation.' })
  consultationId!: string;

  @Field(() => ID, { nullable: true, description: 'The participating organisation you speak for; may be omitted when you act for exactly one.' })
  organizationId?: string | null;

  @Field(() => ConsultationStance, { description: 'The stance.' })
  stance!: ConsultationStance;

  @Field(() => String, { nullable: true, description: 'Why (up to 4,000 characters).' })
  statement?: string | null;
}

@InputType({ description: 'A proposal in a consultation.' })
export class ConsultationProposalAddInput {
  @Field(() => ID, { description: 'The consultation.' })
  consultationId!: string;

  @Field(() => ID, { nullable: true, description: 'The participating organisation you speak for; may be omitted when you act for exactly one.' })
  organizationId?: string | null;

  @Field({ description: 'The proposal (1-4,000 characters).' })
  text!: string;
}

@InputType({ description: 'Closes a consultation with its outcome.' })
export class ConsultationCloseInput {
  @Field(() => ID, { description: 'The consultation.' })
  consultationId!: string;

  @Field(() => Int, { nullable: true, description: 'The `version` you read; when given and no longer current (a position or proposal came in since), the close is refused with CONFLICT.' })
  expectedVersion?: number | null;

  @Field({ description: 'The outcome (1-4,000 characters).' })
  outcome!: string;

  @Field(() => ID, { nullable: true, description: 'What the outcome led to: the global id of a Contract (e.g. a draft), an AgendaItem of a meeting or an ActionItem, which you must be able to see.' })
  linkedRecordId?: string | null;
}

@ObjectType({ description: 'Result of `consultationOpen` and `consultationClose`.' })
export class ConsultationPayload {
  @Field(() => Consultation, { nullable: true, description: 'The consultation; null when refused.' })
  consultation?: Consultation | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of `consultationPositionState`.' })
export class ConsultationPositionPayload {
  @Field(() => ConsultationPosition, { nullable: true, description: 'The position as stated; null when refused.' })
  position?: ConsultationPosition | null;

  @Field(() => Consultation, { nullable: true, description: 'The consultation; null when refused.' })
  consultation?: Consultation | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of `consultationProposalAdd`.' })
export class ConsultationProposalPayload {
  @Field(() => ConsultationProposal, { nullable: true, description: 'The new proposal; null when refused.' })
  proposal?: ConsultationProposal | null;

  @Field(() => Consultation, { nullable: true, description: 'The consultation; null when refused.' })
  consultation?: Consultation | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}
