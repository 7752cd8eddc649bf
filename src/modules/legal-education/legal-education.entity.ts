import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../node/node.type';
import { toGlobalId } from '../../shared/relay/global-id';
import { valueObject, WHY } from '../../shared/relay/value-object';
import { CaseCategory } from '../case/case.entity';

export enum LegalEducationForm {
  LECTURE = 'LECTURE',
  CONSULTATION_DESK = 'CONSULTATION_DESK',
  EXHIBITION_WINDOW = 'EXHIBITION_WINDOW',
  SCHOOL_CLASS = 'SCHOOL_CLASS',
  MARKET_DAY_STALL = 'MARKET_DAY_STALL',
  ONLINE = 'ONLINE',
}

registerEnumType(LegalEducationForm, {
  name: 'LegalEducationForm',
  description: 'How a legal-education activity reaches people (法制宣傳的形式).',
  valuesConfig: {
    LECTURE: { description: 'A face-to-face lecture, often explaining real cases (以案釋法面對面法制講座), e.g. at the farmers\' night school (農民夜校).' },
    CONSULTATION_DESK: { description: 'A consultation desk (咨詢臺) where people bring their legal questions.' },
    EXHIBITION_WINDOW: { description: 'An exhibition window, display boards or posters (宣傳櫥窗、展板、掛圖).' },
    SCHOOL_CLASS: { description: 'A class at a school; includes 孩子帶法回家 (children take the law home to their parents).' },
    MARKET_DAY_STALL: { description: 'A stall on a market day or during home visits (趕集日、大走訪), handing out leaflets and answering questions.' },
    ONLINE: { description: 'Online: mobile newspaper, WeChat, web, broadcast or electronic screens (手機報、網絡、電子屏).' },
  },
});

export enum LegalDay {
  CONSUMER_RIGHTS_DAY = 'CONSUMER_RIGHTS_DAY',
  LAND_DAY = 'LAND_DAY',
  PARTY_FOUNDING_DAY = 'PARTY_FOUNDING_DAY',
  CONSTITUTION_DAY = 'CONSTITUTION_DAY',
}

registerEnumType(LegalDay, {
  name: 'LegalDay',
  description: 'The commemorative days on which legal education is concentrated (抓住"3.15"、"6.25"、"7.1"、"12.4"等重要節假日).',
  valuesConfig: {
    CONSUMER_RIGHTS_DAY: { description: '3.15, consumer rights day (消費者權益日).' },
    LAND_DAY: { description: '6.25, national land day (全國土地日): land and illegal-construction law.' },
    PARTY_FOUNDING_DAY: { description: '7.1, founding day of the Party (建黨節).' },
    CONSTITUTION_DAY: { description: '12.4, national constitution day and legal publicity day (國家憲法日、全國法制宣傳日).' },
  },
});

export enum LegalEducationAudience {
  RESIDENTS = 'RESIDENTS',
  STUDENTS = 'STUDENTS',
  PARENTS = 'PARENTS',
  MERCHANTS = 'MERCHANTS',
  CADRES = 'CADRES',
  ELDERLY = 'ELDERLY',
  SPECIAL_GROUPS = 'SPECIAL_GROUPS',
  WORKERS = 'WORKERS',
}

registerEnumType(LegalEducationAudience, {
  name: 'LegalEducationAudience',
  description: 'Who an activity addresses.',
  valuesConfig: {
    RESIDENTS: { description: 'Residents and villagers (村民、居民).' },
    STUDENTS: { description: 'Pupils and students.' },
    PARENTS: { description: 'Parents, reached through their children (孩子帶法回家).' },
    MERCHANTS: { description: 'Shopkeepers and market traders.' },
    CADRES: { description: 'Grassroots cadres (基層干部), whose legal literacy the seed finds lacking.' },
    ELDERLY: { description: 'Older people.' },
    SPECIAL_GROUPS: { description: 'People released from prison or under community correction (法律進高墻).' },
    WORKERS: { description: 'Workers and migrant workers.' },
  },
});

export enum LegalEducationStatus {
  PLANNED = 'PLANNED',
  HELD = 'HELD',
  CANCELLED = 'CANCELLED',
}

registerEnumType(LegalEducationStatus, {
  name: 'LegalEducationStatus',
  description: 'Where an activity stands: PLANNED, then HELD (with its report) or CANCELLED.',
  valuesConfig: {
    PLANNED: { description: 'Announced, not yet reported.' },
    HELD: { description: 'Held; attendance, materials and questions answered are recorded. Only held activities count as done against a plan.' },
    CANCELLED: { description: 'Called off; it counts as neither done nor pending.' },
  },
});

@Entity('legal_education_activity')
@ObjectType({
  implements: Node,
  description:
    'A legal-education activity (普法活動). The organiser is the organisation responsible for it under 誰執法誰普法 (whoever enforces a law explains it). Every signed-in user sees activities; residents see upcoming ones on the public board once published.',
})
export class LegalEducationActivity implements Node {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('LegalEducationActivity', this.id);
  }

  @Column('uuid')
  organizerOrganizationId!: string;

  @Column('text')
  @Field(() => LegalEducationForm, { description: 'How it reaches people.' })
  form!: LegalEducationForm;

  @Column('text')
  @Field({ description: 'Topic, e.g. 防範入室盜竊, 憲法宣傳.' })
  topic!: string;

  @Column('text', { array: true })
  @Field(() => [String], { description: 'The laws explained, e.g. 《中華人民共和國治安管理處罰法》.' })
  laws!: string[];

  @Column('text', { nullable: true })
  @Field(() => LegalDay, { nullable: true, description: 'The legal day it belongs to (3.15, 6.25, 7.1, 12.4); null for an ordinary day.' })
  legalDay!: LegalDay | null;

  @Column('text', { nullable: true })
  @Field(() => CaseCategory, { nullable: true, description: 'The category of cases the topic bears on (e.g. PUBLIC_SECURITY for burglary prevention); the effect view compares activities with the trend of these cases.' })
  caseCategory!: CaseCategory | null;

  @Column('uuid')
  areaId!: string;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'Where, in words (a school, the market square, the community hall).' })
  venue!: string | null;

  @Column({ type: 'timestamptz', precision: 3 })
  @Field({ description: 'When it starts.' })
  startsAt!: Date;

  @Column({ type: 'timestamptz', precision: 3 })
  @Field({ description: 'When it ends.' })
  endsAt!: Date;

  @Column('text', { array: true })
  @Field(() => [LegalEducationAudience], { description: 'Who it addresses.' })
  audienceGroups!: LegalEducationAudience[];

  @Column('text')
  @Field(() => LegalEducationStatus, { description: 'PLANNED, HELD or CANCELLED.' })
  status!: LegalEducationStatus;

  @Column('int', { nullable: true })
  @Field(() => Int, { nullable: true, description: 'People who attended (or, ONLINE, who were reached); null until reported.' })
  attendance!: number | null;

  @Column('int', { nullable: true })
  @Field(() => Int, { nullable: true, description: 'Leaflets, booklets and handbooks handed out (宣傳單、小手冊); null until reported.' })
  materialsHandedOut!: number | null;

  @Column('int', { nullable: true })
  @Field(() => Int, { nullable: true, description: "People's legal questions answered on the spot (解答群眾法律問題); null until reported." })
  questionsAnswered!: number | null;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'The organiser\'s report in words; null until reported.' })
  report!: string | null;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'Why it was cancelled; null unless CANCELLED.' })
  cancelReason!: string | null;

  @Column('uuid', { nullable: true })
  createdByUserId!: string | null;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  @Field({ description: 'When it was planned.' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  @Field({ description: 'When it last changed.' })
  updatedAt!: Date;

  @Column('int', { default: 1 })
  @Field(() => Int, { description: 'Bumped by every change; pass it as expectedVersion to refuse a change over one you have not seen.' })
  version!: number;
}

@Entity('legal_education_case')
export class LegalEducationCase {
  @Column('uuid', { primary: true })
  activityId!: string;

  @Column('uuid', { primary: true })
  caseId!: string;
}

@ObjectType({ description: valueObject('A target of an annual legal-education plan: so many held activities of a form, in an area or anywhere.', WHY.part) })
export class LegalEducationTarget {
  @Field(() => LegalEducationForm, { description: 'The form counted.' })
  form!: LegalEducationForm;

  /** Database id of the area, or null for anywhere. */
  areaId!: string | null;

  @Field(() => Int, { description: 'Held activities aimed for in the year.' })
  count!: number;
}

@Entity('legal_education_plan')
@ObjectType({
  implements: Node,
  description: "An organisation's annual legal-education plan (年度普法計劃): targets by form and area, and how far the year's held activities went towards them. Seen by the organisation, organisations that supervise or guide it, and platform admins.",
})
export class LegalEducationPlan implements Node {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('LegalEducationPlan', this.id);
  }

  @Column('uuid')
  organizationId!: string;

  @Column('int')
  @Field(() => Int, { description: 'The calendar year (China Standard Time).' })
  year!: number;

  @Column('jsonb')
  targets!: LegalEducationTarget[];

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'Notes, e.g. the priorities of the five-year plan (七五普法規劃).' })
  note!: string | null;

  @Column('uuid', { nullable: true })
  setByUserId!: string | null;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  @Field({ description: 'When the plan was last set.' })
  updatedAt!: Date;
}

@ObjectType({ description: valueObject('One target of a plan against what was done.', WHY.computed) })
export class LegalEducationTargetProgress {
  @Field(() => LegalEducationForm, { description: 'The form counted.' })
  form!: LegalEducationForm;

  areaId!: string | null;

  @Field(() => Int, { description: 'Held activities aimed for.' })
  target!: number;

  @Field(() => Int, { description: "Activities of this form the organisation held in the year, in the target's area subtree (anywhere when it has none)." })
  done!: number;

  @Field(() => Int, { description: 'Activities of this form still PLANNED for the rest of the year in the same place.' })
  pending!: number;

  @Field(() => Float, { description: 'done / target as a percentage, rounded to one decimal (100 when the target is 0).' })
  percent!: number;
}

@ObjectType({ description: valueObject('Plan versus done for one organisation and year.', WHY.computed) })
export class LegalEducationPlanProgress {
  @Field(() => [LegalEducationTargetProgress], { description: 'Each target with its figures, in the order of the plan.' })
  targets!: LegalEducationTargetProgress[];

  @Field(() => Int, { description: 'Sum of the targets.' })
  targetTotal!: number;

  @Field(() => Int, { description: 'Activities held in the year, of any form and anywhere.' })
  held!: number;

  @Field(() => Int, { description: 'Activities cancelled in the year.' })
  cancelled!: number;

  @Field(() => Int, { description: 'People reached by the held activities.' })
  attendance!: number;

  @Field(() => Int, { description: 'Held activities that explained at least one real case (以案釋法).' })
  withCasesExplained!: number;
}

@ObjectType({ description: valueObject('One month of the effect view.', WHY.computed) })
export class LegalEducationEffectMonth {
  @Field({ description: 'The month (YYYY-MM, China Standard Time).' })
  month!: string;

  @Field(() => Int, { description: 'Held activities on the topic in the area subtree that month.' })
  activities!: number;

  @Field(() => Int, { description: 'People they reached.' })
  attendance!: number;

  @Field(() => Int, { description: 'Cases of the category reported in the area subtree that month (merged duplicates left out).' })
  cases!: number;
}

@ObjectType({ description: valueObject('Cases of the related category before and after one held activity, in the same area subtree.', WHY.computed) })
export class LegalEducationEffectWindow {
  activityId!: string;

  @Field(() => Int, { description: 'Cases reported in the window before the activity began.' })
  casesBefore!: number;

  @Field(() => Int, { description: 'Cases reported in the window after it ended (counted up to now when the window has not closed).' })
  casesAfter!: number;

  @Field({ description: 'Whether the after-window has fully passed; a partial window understates casesAfter.' })
  afterWindowComplete!: boolean;
}

@ObjectType({
  description: valueObject(
    'Activities on a topic set beside the trend of cases of the related category in the same area: a month-by-month series and, per activity, cases before and after. It shows coincidence, not cause.',
    WHY.computed,
  ),
})
export class LegalEducationEffect {
  @Field(() => CaseCategory, { description: 'The case category compared.' })
  caseCategory!: CaseCategory;

  @Field(() => Int, { description: 'Days of each before/after window.' })
  windowDays!: number;

  @Field(() => [LegalEducationEffectMonth], { description: 'Month by month over the range asked, oldest first.' })
  months!: LegalEducationEffectMonth[];

  @Field(() => [LegalEducationEffectWindow], { description: 'Each held activity in the range, oldest first.' })
  activities!: LegalEducationEffectWindow[];

  @Field(() => Int, { description: 'Sum of casesBefore over the activities.' })
  casesBefore!: number;

  @Field(() => Int, { description: 'Sum of casesAfter over the activities.' })
  casesAfter!: number;
}
