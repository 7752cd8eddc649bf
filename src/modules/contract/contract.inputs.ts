import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { LocalDateResolver, SafeIntResolver } from 'graphql-scalars';
import { UserError } from '../../shared/errors';
import { Contract, ContractClauseKind, ContractPartyRole, PaymentSchedule, ServiceLevelMetric, ServiceLevelPeriod } from './contract.entity';

@InputType({ description: 'An organisation taking part in a contract with one role. List an organisation twice to give it two roles (e.g. CLIENT and FUNDER).' })
export class ContractPartyInput {
  @Field(() => ID, { description: 'The organisation.' })
  organizationId!: string;

  @Field(() => ContractPartyRole, { description: 'Its role.' })
  role!: ContractPartyRole;
}

@InputType({ description: 'A right or duty owed by a party role.' })
export class ContractClauseInput {
  @Field(() => ContractPartyRole, { description: 'The party role that holds the right or owes the duty; a party must hold it.' })
  partyRole!: ContractPartyRole;

  @Field(() => ContractClauseKind, { description: 'Right or duty.' })
  kind!: ContractClauseKind;

  @Field({ description: 'Wording (1-4,000 characters).' })
  text!: string;
}

@InputType({ description: 'A measurable promise of the provider.' })
export class ContractServiceLevelInput {
  @Field(() => ServiceLevelMetric, { description: 'What is measured.' })
  metric!: ServiceLevelMetric;

  @Field(() => Float, { description: 'Target: at least this many patrols per day, at least this percent (0-100) of checkpoints, at most this many response minutes.' })
  target!: number;

  @Field(() => ServiceLevelPeriod, { description: 'Over which period compliance is assessed.' })
  period!: ServiceLevelPeriod;

  @Field(() => String, { nullable: true, description: 'What is meant, in words (up to 1,000 characters); required for CUSTOM.' })
  description?: string | null;
}

@InputType({ description: 'A new contract, created as DRAFT.' })
export class ContractDraftInput {
  @Field({ description: 'Title (1-200 characters), e.g. 三板橋社區安防服務契約.' })
  title!: string;

  @Field(() => [ContractPartyInput], { description: 'Two or more organisations with their roles; exactly one PROVIDER. You must act for one of them.' })
  parties!: ContractPartyInput[];

  @Field(() => [ID], { nullable: true, description: 'Areas the contract covers (at most 100); their subtrees count.' })
  areaIds?: string[] | null;

  @Field(() => LocalDateResolver, { description: 'First day in force.' })
  startsOn!: string;

  @Field(() => LocalDateResolver, { description: 'Last day in force; not before `startsOn`.' })
  endsOn!: string;

  @Field(() => SafeIntResolver, { description: 'Fee per payment in minor units (fen), 0 or more.' })
  feeMinor!: number;

  @Field({ defaultValue: 'CNY', description: 'ISO 4217 currency code; default CNY.' })
  currency!: string;

  @Field(() => PaymentSchedule, { description: 'How often the fee is paid.' })
  paymentSchedule!: PaymentSchedule;

  @Field(() => [ContractClauseInput], { nullable: true, description: 'Rights and duties (at most 100).' })
  clauses?: ContractClauseInput[] | null;

  @Field(() => [ContractServiceLevelInput], { nullable: true, description: 'Service levels (at most 50).' })
  serviceLevels?: ContractServiceLevelInput[] | null;
}

@InputType({ description: 'Changes to the terms. Omitted fields stay as they are; a given list replaces the whole list.' })
export class ContractTermsChangeInput {
  @Field(() => ID, { description: 'The contract.' })
  id!: string;

  @Field(() => Int, { description: 'The `version` you read; when no longer current the change is refused with CONFLICT.' })
  expectedVersion!: number;

  @Field(() => String, { nullable: true, description: 'New title.' })
  title?: string | null;

  @Field(() => [ID], { nullable: true, description: 'Replaces the covered areas.' })
  areaIds?: string[] | null;

  @Field(() => LocalDateResolver, { nullable: true, description: 'New first day in force.' })
  startsOn?: string | null;

  @Field(() => LocalDateResolver, { nullable: true, description: 'New last day in force.' })
  endsOn?: string | null;

  @Field(() => SafeIntResolver, { nullable: true, description: 'New fee per payment in minor units.' })
  feeMinor?: number | null;

  @Field(() => String, { nullable: true, description: 'New currency code.' })
  currency?: string | null;

  @Field(() => PaymentSchedule, { nullable: true, description: 'New payment schedule.' })
  paymentSchedule?: PaymentSchedule | null;

  @Field(() => [ContractClauseInput], { nullable: true, description: 'Replaces the clauses.' })
  clauses?: ContractClauseInput[] | null;

  @Field(() => [ContractServiceLevelInput], { nullable: true, description: 'Replaces the service levels.' })
  serviceLevels?: ContractServiceLevelInput[] | null;
}

@InputType({ description: 'Changes to a DRAFT contract, parties included.' })
export class ContractUpdateInput extends ContractTermsChangeInput {
  @Field(() => [ContractPartyInput], { nullable: true, description: 'Replaces the parties; you must still act for one of them.' })
  parties?: ContractPartyInput[] | null;
}

@InputType({ description: 'An amendment of an ACTIVE contract: a new version that every party signs again. The parties stay the same; the current terms stay in force until the amendment is fully signed.' })
export class ContractAmendInput extends ContractTermsChangeInput {
  @Field(() => String, { description: 'What the amendment changes and why (1-2,000 characters).' })
  note!: string;
}

@InputType({ description: 'A lifecycle step on a contract.' })
export class ContractStepInput {
  @Field(() => ID, { description: 'The contract.' })
  id!: string;

  @Field(() => Int, { description: 'The `version` you read; when no longer current the step is refused with CONFLICT.' })
  expectedVersion!: number;
}

@InputType({ description: 'A signature of one party on the version awaiting signatures (the proposal or a pending amendment).' })
export class ContractSignInput extends ContractStepInput {
  @Field(() => ID, { nullable: true, description: 'The party you sign for; may be omitted when you are ADMIN of exactly one party that has not signed.' })
  organizationId?: string | null;
}

@InputType({ description: 'A lifecycle step that needs a reason.' })
export class ContractReasonInput extends ContractStepInput {
  @Field({ description: 'Why (1-2,000 characters).' })
  reason!: string;
}

@InputType({ description: 'A named party turns a proposed contract down.' })
export class ContractDeclineInput extends ContractReasonInput {
  @Field(() => ID, { nullable: true, description: 'The party that declines; may be omitted when you are ADMIN of exactly one party.' })
  organizationId?: string | null;
}

@ObjectType({ description: 'Result of a contract mutation.' })
export class ContractPayload {
  @Field(() => Contract, { nullable: true, description: 'The contract as it is now; null when refused.' })
  contract?: Contract | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}
