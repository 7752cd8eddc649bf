import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../node/node.type';
import { toGlobalId } from '../../shared/relay/global-id';
import { valueObject, WHY } from '../../shared/relay/value-object';
import { UserError } from '../../shared/errors';
import { ServiceLevelMetric } from '../contract/contract.entity';

@ObjectType({ description: valueObject('One monthly service level of a quality standard.', WHY.part) })
export class QualityServiceLevel {
  @Field(() => ServiceLevelMetric, { description: 'What is measured: PATROLS_PER_DAY, CHECKPOINT_COVERAGE or RESPONSE_MINUTES (computed from the records; CUSTOM levels belong in contracts).' })
  metric!: ServiceLevelMetric;

  @Field(() => Float, { description: 'The target, assessed per calendar month: a minimum, or for RESPONSE_MINUTES a maximum.' })
  target!: number;

  @Field(() => String, { nullable: true, description: 'What is meant, in words.' })
  description!: string | null;
}

@Entity('quality_standard')
@ObjectType({
  implements: Node,
  description:
    'A quality standard of security services set by a police station for its jurisdiction (政府必須牢牢掌控治安服務的質量標準和監督權): monthly service levels that contracts in the area adopt, a minimum residents\' rating, and a breach rule (so many consecutive months below target). Every signed-in user sees the standards; their evaluations are the station\'s and the parties\'.',
})
export class QualityStandard implements Node {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('QualityStandard', this.id);
  }

  @Column('uuid')
  organizationId!: string;

  @Column('uuid')
  areaId!: string;

  @Column('text')
  @Field({ description: 'Name, e.g. 中山路派出所保安服務質量標準.' })
  name!: string;

  @Column('jsonb')
  @Field(() => [QualityServiceLevel], { description: 'The monthly service levels.' })
  serviceLevels!: QualityServiceLevel[];

  @Column('numeric', { nullable: true, transformer: { to: (v: number | null) => v, from: (v: string | null) => (v === null ? null : Number(v)) } })
  @Field(() => Float, { nullable: true, description: "Lowest acceptable average of the reporters' own ratings (1-5) of the provider's cases in a month; null: ratings are shown but not judged." })
  minimumResidentRating!: number | null;

  @Column('int')
  @Field(() => Int, { description: 'Breach rule: this many consecutive evaluated months below target make a breach (e.g. 2).' })
  breachMonths!: number;

  @Column('uuid', { nullable: true })
  createdByUserId!: string | null;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  @Field({ description: 'When the standard was set.' })
  createdAt!: Date;
}

@ObjectType({ description: valueObject("What one month's evaluation found.", WHY.part) })
export class QualityFigures {
  @Field(() => Int, { description: "The standard's service levels met in the month (computed like `contract.compliance`, over the contract's scope and the provider's records)." })
  levelsMet!: number;

  @Field(() => Int, { description: 'Service levels assessed.' })
  levelsAssessed!: number;

  @Field(() => Int, { description: 'Cases reported in the month in the scope areas whose responsible organisation is the provider.' })
  casesAssigned!: number;

  @Field(() => Int, { description: 'Of those, cases resolved after their due date or still open past it at the end of the month.' })
  casesLate!: number;

  @Field(() => Int, { description: 'Of those, cases the reporter rated (caseFeedback); the handling unit cannot rate itself.' })
  residentRatings!: number;

  @Field(() => Float, { nullable: true, description: 'Average of those ratings (1-5); null without any.' })
  residentRatingAverage!: number | null;
}

@Entity('quality_evaluation')
@ObjectType({
  implements: Node,
  description: 'The monthly evaluation of one adopting contract\'s security provider against a quality standard: compliance, cases and residents\' ratings, whether it fell below target, and whether that made a breach.',
})
export class QualityEvaluation implements Node {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('QualityEvaluation', this.id);
  }

  @Column('uuid')
  standardId!: string;

  @Column('uuid')
  contractId!: string;

  @Column('uuid')
  providerOrganizationId!: string;

  @Column('date')
  @Field(() => LocalDateResolver, { description: 'The month evaluated (its first day).' })
  month!: string;

  @Column('boolean')
  @Field({ description: 'A service level missed, or the residents\' average rating below the minimum.' })
  belowTarget!: boolean;

  @Column('int')
  @Field(() => Int, { description: 'Consecutive evaluated months below target up to this one (0 when on target).' })
  consecutiveMonthsBelow!: number;

  @Column('jsonb')
  @Field(() => QualityFigures, { description: 'What the evaluation found.' })
  figures!: QualityFigures;

  @Column('boolean')
  @Field({ description: "The breach rule was met this month (consecutiveMonthsBelow reached the standard's breachMonths); the contract is suspended when it agreed to that." })
  breach!: boolean;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  @Field({ description: 'When it was evaluated.' })
  evaluatedAt!: Date;
}

@InputType({ description: 'A monthly service level of a quality standard.' })
export class QualityServiceLevelInput {
  @Field(() => ServiceLevelMetric, { description: 'PATROLS_PER_DAY, CHECKPOINT_COVERAGE or RESPONSE_MINUTES.' })
  metric!: ServiceLevelMetric;

  @Field(() => Float, { description: 'Target per month: a minimum, a maximum for RESPONSE_MINUTES.' })
  target!: number;

  @Field(() => String, { nullable: true, description: 'What is meant (up to 1,000 characters).' })
  description?: string | null;
}

@InputType({ description: 'A quality standard for the security services of an area.' })
export class QualityStandardCreateInput {
  @Field(() => ID, { description: 'The police station setting it (you must be its ADMIN; its jurisdiction must cover the area).' })
  organizationId!: string;

  @Field(() => ID, { description: 'The area; contracts whose scope lies within it may adopt the standard.' })
  areaId!: string;

  @Field({ description: 'Name (1-200 characters).' })
  name!: string;

  @Field(() => [QualityServiceLevelInput], { description: 'One to ten monthly service levels.' })
  serviceLevels!: QualityServiceLevelInput[];

  @Field(() => Float, { nullable: true, description: "Lowest acceptable average residents' rating (1-5)." })
  minimumResidentRating?: number | null;

  @Field(() => Int, { defaultValue: 2, description: 'Consecutive months below target that make a breach (1-12).' })
  breachMonths!: number;
}

@InputType({ description: 'A contract adopts a quality standard.' })
export class ContractQualityStandardAdoptInput {
  @Field(() => ID, { description: 'The contract (not ended); its scope must lie within the standard\'s area.' })
  contractId!: string;

  @Field(() => ID, { description: 'The standard.' })
  standardId!: string;

  @Field({ description: "Whether the contract's clauses let a breach suspend it (e.g. 連續兩月未達標可暫停契約); if so, a breach suspends it." })
  suspendOnBreach!: boolean;
}

@InputType({ description: 'Evaluate the providers of every contract adopting a standard for one month.' })
export class QualityStandardEvaluateInput {
  @Field(() => ID, { description: 'The standard.' })
  standardId!: string;

  @Field(() => LocalDateResolver, { description: 'Any day of the month to evaluate; the month must have ended.' })
  month!: string;
}

@ObjectType({ description: 'Result of `qualityStandardCreate`.' })
export class QualityStandardPayload {
  @Field(() => QualityStandard, { nullable: true, description: 'The standard; null when refused.' })
  standard?: QualityStandard | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of `qualityStandardEvaluate`.' })
export class QualityEvaluationPayload {
  @Field(() => [QualityEvaluation], { nullable: true, description: 'One evaluation per adopting contract signed and in its term during the month; null when refused.' })
  evaluations?: QualityEvaluation[] | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}
