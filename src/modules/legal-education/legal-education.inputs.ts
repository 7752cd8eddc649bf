import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { UserError } from '../../shared/errors';
import { CaseCategory } from '../case/case.entity';
import { LegalDay, LegalEducationActivity, LegalEducationAudience, LegalEducationForm, LegalEducationPlan } from './legal-education.entity';
import { LegalConsultation, LegalConsultationOutcome, LegalServiceDuty, LegalServiceRoom } from './legal-service.entity';

@InputType({ description: 'A legal-education activity to announce.' })
export class LegalEducationActivityPlanInput {
  @Field(() => ID, { description: 'The organiser, responsible for it under 誰執法誰普法 (you must act for it: any role but OBSERVER).' })
  organizerOrganizationId!: string;

  @Field(() => LegalEducationForm, { description: 'How it reaches people.' })
  form!: LegalEducationForm;

  @Field({ description: 'Topic (1-200 characters).' })
  topic!: string;

  @Field(() => [String], { defaultValue: [], description: 'Laws explained (at most 10, each up to 100 characters).' })
  laws!: string[];

  @Field(() => LegalDay, { nullable: true, description: 'The legal day it belongs to, if any.' })
  legalDay?: LegalDay | null;

  @Field(() => CaseCategory, { nullable: true, description: 'The category of cases the topic bears on, for the effect view.' })
  caseCategory?: CaseCategory | null;

  @Field(() => ID, { description: 'The venue area (a community, a grid, a street).' })
  areaId!: string;

  @Field(() => String, { nullable: true, description: 'Where, in words (up to 200 characters).' })
  venue?: string | null;

  @Field({ description: 'When it starts.' })
  startsAt!: Date;

  @Field({ description: 'When it ends: not before it starts, at most 31 days later.' })
  endsAt!: Date;

  @Field(() => [LegalEducationAudience], { defaultValue: [], description: 'Who it addresses.' })
  audienceGroups!: LegalEducationAudience[];
}

@InputType({ description: 'The report of a held activity; reporting again corrects the figures.' })
export class LegalEducationActivityReportInput {
  @Field(() => ID, { description: 'The activity (PLANNED or HELD, begun already).' })
  activityId!: string;

  @Field(() => Int, { description: 'People who attended or were reached (0-1,000,000).' })
  attendance!: number;

  @Field(() => Int, { defaultValue: 0, description: 'Materials handed out (0-1,000,000).' })
  materialsHandedOut!: number;

  @Field(() => Int, { defaultValue: 0, description: 'Questions answered on the spot (0-100,000).' })
  questionsAnswered!: number;

  @Field(() => String, { nullable: true, description: 'Report in words (up to 5,000 characters).' })
  report?: string | null;

  @Field(() => [ID], { defaultValue: [], description: 'Real cases explained (以案釋法), at most 20; each must be a case you may see. Replaces the earlier list.' })
  caseIds!: string[];

  @Field(() => Int, { nullable: true, description: 'The version you last read; the report is refused with CONFLICT if the activity changed since.' })
  expectedVersion?: number | null;
}

@InputType({ description: 'Call off a planned activity.' })
export class LegalEducationActivityCancelInput {
  @Field(() => ID, { description: 'The activity (PLANNED).' })
  activityId!: string;

  @Field({ description: 'Why (1-1,000 characters).' })
  reason!: string;
}

@InputType({ description: 'A target of an annual plan.' })
export class LegalEducationTargetInput {
  @Field(() => LegalEducationForm, { description: 'The form counted.' })
  form!: LegalEducationForm;

  @Field(() => ID, { nullable: true, description: 'Only activities in this area subtree count; anywhere when left out.' })
  areaId?: string | null;

  @Field(() => Int, { description: 'Held activities aimed for (0-10,000).' })
  count!: number;
}

@InputType({ description: "Sets (or replaces) an organisation's plan for a year." })
export class LegalEducationPlanSetInput {
  @Field(() => ID, { description: 'The organisation (you must be its ADMIN).' })
  organizationId!: string;

  @Field(() => Int, { description: 'The year (2000-2100).' })
  year!: number;

  @Field(() => [LegalEducationTargetInput], { description: 'One to 50 targets; one per form and area.' })
  targets!: LegalEducationTargetInput[];

  @Field(() => String, { nullable: true, description: 'Notes (up to 2,000 characters).' })
  note?: string | null;
}

@InputType({ description: 'Registers a community legal-service room.' })
export class LegalServiceRoomOpenInput {
  @Field(() => ID, { description: 'The resident or village committee running it (you must act for it).' })
  organizationId!: string;

  @Field(() => ID, { description: "The community or village it serves: within the committee's jurisdiction." })
  areaId!: string;

  @Field({ description: 'Name (1-200 characters).' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'Address (up to 200 characters).' })
  address?: string | null;

  @Field(() => String, { nullable: true, description: 'Opening hours in words (up to 200 characters).' })
  openingHours?: string | null;
}

@InputType({ description: "A lawyer's duty at a room." })
export class LegalServiceDutyAddInput {
  @Field(() => ID, { description: 'The room (you must act for its organisation).' })
  roomId!: string;

  @Field({ description: 'The lawyer or legal worker (1-100 characters).' })
  lawyerName!: string;

  @Field(() => ID, { nullable: true, description: 'The law firm or legal-service organisation the lawyer comes from.' })
  lawyerOrganizationId?: string | null;

  @Field(() => String, { nullable: true, description: 'A phone for residents to book (up to 30 characters); shown only to the room\'s and the lawyer\'s organisations.' })
  lawyerPhone?: string | null;

  @Field({ description: 'Duty starts.' })
  startsAt!: Date;

  @Field({ description: 'Duty ends: after it starts, at most 24 hours later.' })
  endsAt!: Date;
}

@InputType({ description: 'Logs one consultation at a room. Do not enter the name of the person who asked.' })
export class LegalConsultationLogInput {
  @Field(() => ID, { description: 'The room (you must act for its organisation, or for the organisation of the lawyer on duty).' })
  roomId!: string;

  @Field({ description: 'When it took place (not in the future); the duty covering this time is linked.' })
  occurredAt!: Date;

  @Field({ description: 'What was asked about (1-200 characters).' })
  topic!: string;

  @Field(() => CaseCategory, { nullable: true, description: 'Its category, when there is one.' })
  caseCategory?: CaseCategory | null;

  @Field(() => LegalConsultationOutcome, { description: 'What came of it.' })
  outcome!: LegalConsultationOutcome;

  @Field(() => ID, { nullable: true, description: 'The case opened from it (CASE_OPENED only); a case you may see.' })
  caseId?: string | null;
}

@ObjectType({ description: 'Result of the legal-education activity mutations.' })
export class LegalEducationActivityPayload {
  @Field(() => LegalEducationActivity, { nullable: true, description: 'The activity; null when refused.' })
  activity?: LegalEducationActivity | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of `legalEducationPlanSet`.' })
export class LegalEducationPlanPayload {
  @Field(() => LegalEducationPlan, { nullable: true, description: 'The plan; null when refused.' })
  plan?: LegalEducationPlan | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of `legalServiceRoomOpen`.' })
export class LegalServiceRoomPayload {
  @Field(() => LegalServiceRoom, { nullable: true, description: 'The room; null when refused.' })
  room?: LegalServiceRoom | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of `legalServiceDutyAdd`.' })
export class LegalServiceDutyPayload {
  @Field(() => LegalServiceDuty, { nullable: true, description: 'The duty; null when refused.' })
  duty?: LegalServiceDuty | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of `legalConsultationLog`.' })
export class LegalConsultationPayload {
  @Field(() => LegalConsultation, { nullable: true, description: 'The consultation; null when refused.' })
  consultation?: LegalConsultation | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}

