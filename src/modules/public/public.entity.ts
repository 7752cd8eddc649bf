import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { valueObject, WHY } from '../../shared/relay/value-object';
import { UserError } from '../../shared/errors';
import { AreaKind } from '../area/area.entity';
import { CaseCategory, CaseEventType, CaseStatus } from '../case/case.entity';
import { ContractStatus, ServiceLevelMetric } from '../contract/contract.entity';
import { LegalDay, LegalEducationAudience, LegalEducationForm } from '../legal-education/legal-education.entity';

export enum PublicationRecordType {
  CASE = 'CASE',
  LEGAL_EDUCATION_ACTIVITY = 'LEGAL_EDUCATION_ACTIVITY',
  CONTRACT = 'CONTRACT',
}

registerEnumType(PublicationRecordType, {
  name: 'PublicationRecordType',
  description: 'What can be put on the public board.',
  valuesConfig: {
    CASE: { description: 'A case under public supervision (公開掛牌督辦).' },
    LEGAL_EDUCATION_ACTIVITY: { description: 'A planned legal-education activity residents may attend.' },
    CONTRACT: { description: "A signed security contract's service-level results." },
  },
});

@Entity('publication')
@ObjectType({ description: valueObject('That a record was put on the public board, by whom and until when; the record itself is shown to the public only in its public form.', WHY.part) })
export class Publication {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('text')
  @Field(() => PublicationRecordType, { description: 'What was published.' })
  recordType!: PublicationRecordType;

  @Column('uuid')
  recordId!: string;

  @Column('uuid')
  areaId!: string;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'The public wording the publisher wrote (shown instead of internal titles and notes, which may name people).' })
  summary!: string | null;

  @Column('uuid')
  publishedByOrganizationId!: string;

  @Column('uuid', { nullable: true })
  publishedByUserId!: string | null;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  @Field({ description: 'When it was published.' })
  publishedAt!: Date;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  @Field(() => Date, { nullable: true, description: 'When it was withdrawn; null while public.' })
  withdrawnAt!: Date | null;

  @Column('uuid', { nullable: true })
  withdrawnByUserId!: string | null;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'Why it was withdrawn.' })
  withdrawnReason!: string | null;
}

@InputType({ description: 'Put a record on the public board.' })
export class PublicationPublishInput {
  @Field(() => ID, { description: 'A supervised Case, a planned LegalEducationActivity or a signed Contract.' })
  recordId!: string;

  @Field(() => String, { nullable: true, description: 'Public wording (up to 500 characters): what residents should read. Write no names or phones.' })
  summary?: string | null;
}

@InputType({ description: 'Take a record off the public board.' })
export class PublicationWithdrawInput {
  @Field(() => ID, { description: 'The published record.' })
  recordId!: string;

  @Field({ description: 'Why (1-1,000 characters); kept in the audit trail.' })
  reason!: string;
}

@ObjectType({ description: 'Result of `publicationPublish` and `publicationWithdraw`.' })
export class PublicationPayload {
  @Field(() => Publication, { nullable: true, description: 'The publication; null when refused.' })
  publication?: Publication | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}

// ---------------------------------------------------------------- what the public sees

@ObjectType({ description: valueObject('An area as the public sees it.', WHY.answer) })
export class PublicArea {
  @Field(() => ID, { description: 'Global id of the Area, to ask for its board (publicBoard) or its children (publicAreas).' })
  areaId!: string;

  @Field({ description: 'Name.' })
  name!: string;

  @Field(() => AreaKind, { description: 'Level in the administrative tree.' })
  kind!: AreaKind;
}

@ObjectType({ description: valueObject('One step of a published case, without who took it or what was written.', WHY.part) })
export class PublicCaseStep {
  @Field({ description: 'When.' })
  at!: Date;

  @Field(() => CaseEventType, { description: 'What happened (reported, assigned, started, resolved …).' })
  step!: CaseEventType;
}

@ObjectType({ description: valueObject('A case under public supervision (公開掛牌督辦) as residents see it: no reporter, handler, title or description.', WHY.answer) })
export class PublicSupervisedCase {
  @Field({ description: 'The case reference.' })
  reference!: string;

  @Field(() => CaseCategory, { description: 'What it is about.' })
  category!: CaseCategory;

  @Field(() => CaseStatus, { description: 'Where it stands.' })
  status!: CaseStatus;

  @Field({ description: 'The area it lies in.' })
  areaName!: string;

  @Field(() => String, { nullable: true, description: "The publisher's public wording." })
  summary!: string | null;

  @Field(() => String, { nullable: true, description: 'The organisation supervising it.' })
  supervisorName!: string | null;

  @Field(() => Date, { nullable: true, description: 'The deadline.' })
  dueAt!: Date | null;

  @Field({ description: 'Open past its deadline.' })
  overdue!: boolean;

  @Field(() => [PublicCaseStep], { description: 'Progress, oldest first: the public steps of its timeline.' })
  progress!: PublicCaseStep[];

  @Field({ description: 'When it was published.' })
  publishedAt!: Date;
}

@ObjectType({ description: valueObject('An upcoming legal-education activity residents may attend.', WHY.answer) })
export class PublicLegalEducationActivity {
  @Field({ description: 'Topic.' })
  topic!: string;

  @Field(() => LegalEducationForm, { description: 'Form.' })
  form!: LegalEducationForm;

  @Field(() => [String], { description: 'Laws explained.' })
  laws!: string[];

  @Field(() => LegalDay, { nullable: true, description: 'Legal day, if any.' })
  legalDay!: LegalDay | null;

  @Field({ description: 'The organiser (an organisation).' })
  organizerName!: string;

  @Field({ description: 'The area.' })
  areaName!: string;

  @Field(() => String, { nullable: true, description: 'Where.' })
  venue!: string | null;

  @Field({ description: 'Starts.' })
  startsAt!: Date;

  @Field({ description: 'Ends.' })
  endsAt!: Date;

  @Field(() => [LegalEducationAudience], { description: 'Who it addresses.' })
  audienceGroups!: LegalEducationAudience[];

  @Field(() => String, { nullable: true, description: "The publisher's public wording." })
  summary!: string | null;
}

@ObjectType({ description: valueObject('One service level of a published contract in one month.', WHY.part) })
export class PublicServiceLevelResult {
  @Field(() => ServiceLevelMetric, { description: 'What is measured.' })
  metric!: ServiceLevelMetric;

  @Field(() => String, { nullable: true, description: 'What it means, in words.' })
  description!: string | null;

  @Field(() => LocalDateResolver, { description: 'First day of the month.' })
  month!: string;

  @Field(() => Float, { description: 'Target.' })
  target!: number;

  @Field(() => Float, { nullable: true, description: 'Achieved; null when nothing could be measured.' })
  achieved!: number | null;

  @Field({ description: 'Whether the target was met.' })
  met!: boolean;
}

@ObjectType({ description: valueObject("A published security contract's service-level results for the last three complete months: no clauses, fees or people.", WHY.answer) })
export class PublicContractResult {
  @Field({ description: 'Title.' })
  title!: string;

  @Field(() => [String], { description: 'The clients (who pays, 誰出資誰受益).' })
  clientNames!: string[];

  @Field(() => [String], { description: 'The providers.' })
  providerNames!: string[];

  @Field(() => ContractStatus, { description: 'Status.' })
  status!: ContractStatus;

  @Field(() => LocalDateResolver, { description: 'Term begins.' })
  startsOn!: string;

  @Field(() => LocalDateResolver, { description: 'Term ends.' })
  endsOn!: string;

  @Field(() => String, { nullable: true, description: "The publisher's public wording." })
  summary!: string | null;

  @Field(() => [PublicServiceLevelResult], { description: 'Computed service levels (patrols per day, checkpoint coverage, response minutes) per complete month, oldest first.' })
  results!: PublicServiceLevelResult[];

  @Field(() => Int, { description: 'Results met.' })
  met!: number;
}

@ObjectType({ description: valueObject('A line of a published fund statement.', WHY.part) })
export class PublicFundStatementLine {
  @Field({ description: 'CONTRIBUTION, PAYOUT or a reversal.' })
  kind!: string;

  @Field({ description: 'Category, e.g. HOUSEHOLD, GUARD_PAY.' })
  category!: string;

  @Field(() => Float, { description: 'Sum in minor units.' })
  amountMinor!: number;

  @Field(() => Int, { description: 'Entries summed.' })
  entryCount!: number;
}

@ObjectType({ description: valueObject('A published security-fund statement (財務公開): totals and lines by category; no names, receipts or who recorded what.', WHY.answer) })
export class PublicFundStatement {
  @Field({ description: 'The fund.' })
  fundName!: string;

  @Field({ description: 'The organisation keeping it.' })
  organizationName!: string;

  @Field({ description: 'Currency (ISO 4217).' })
  currency!: string;

  @Field(() => LocalDateResolver, { description: 'First day of the period.' })
  periodStart!: string;

  @Field(() => LocalDateResolver, { description: 'Last day of the period.' })
  periodEnd!: string;

  @Field(() => Float, { description: 'Opening balance, minor units.' })
  openingBalanceMinor!: number;

  @Field(() => Float, { description: 'Contributions in the period, minor units.' })
  contributionsMinor!: number;

  @Field(() => Float, { description: 'Payouts in the period, minor units.' })
  payoutsMinor!: number;

  @Field(() => Float, { description: 'Closing balance, minor units.' })
  closingBalanceMinor!: number;

  @Field(() => [PublicFundStatementLine], { description: 'Totals by kind and category.' })
  lines!: PublicFundStatementLine[];

  @Field({ description: 'When it was published.' })
  publishedAt!: Date;
}

@ObjectType({ description: valueObject("An area's public board: only what someone with the right role published, in its public form. Cached for a short while.", WHY.answer) })
export class PublicBoard {
  @Field(() => PublicArea, { description: 'The area.' })
  area!: PublicArea;

  @Field(() => [PublicSupervisedCase], { description: 'Published supervised cases in the area subtree, newest published first (at most 50).' })
  supervisedCases!: PublicSupervisedCase[];

  @Field(() => [PublicFundStatement], { description: 'Published fund statements of the organisations at home in the area subtree, newest period first (at most 50).' })
  fundStatements!: PublicFundStatement[];

  @Field(() => [PublicLegalEducationActivity], { description: 'Published legal-education activities still to come in the area subtree, soonest first (at most 50).' })
  upcomingActivities!: PublicLegalEducationActivity[];

  @Field(() => [PublicContractResult], { description: 'Published contracts whose scope lies in the area subtree, with their service-level results (at most 20).' })
  contractResults!: PublicContractResult[];

  @Field({ description: 'When this answer was put together; it may be served from cache for up to 30 seconds.' })
  generatedAt!: Date;
}
