import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { UserError } from '../../shared/errors';
import { valueObject, WHY } from '../../shared/relay/value-object';
import { ScreeningFrequency, ScreeningRound, ScreeningSpecialPeriod } from './screening.entity';

export const MAX_CASES_PER_ROUND = 100;

@InputType({ description: 'A screening return for one community and one week (or special-period day).' })
export class ScreeningRoundRecordInput {
  @Field(() => ID, { description: 'The community (an area of kind COMMUNITY or VILLAGE).' })
  areaId!: string;

  @Field(() => ScreeningFrequency, { description: 'WEEKLY, or DAILY for a day of a special period covering the community.' })
  frequency!: ScreeningFrequency;

  @Field(() => LocalDateResolver, { description: 'WEEKLY: any day of the week screened (Monday to Sunday). DAILY: the day screened. It must have begun.' })
  periodOf!: string;

  @Field(() => LocalDateResolver, { nullable: true, description: 'When the screening was done; today when left out. Not before the period, not in the future.' })
  screenedOn?: string | null;

  @Field(() => ID, { nullable: true, description: 'The organisation filing the return (its jurisdiction must cover the community); may be left out when you act for exactly one such organisation.' })
  organizationId?: string | null;

  @Field(() => String, { nullable: true, description: 'Who took part, in words (up to 500 characters).' })
  screeners?: string | null;

  @Field({ description: 'True for a nil return (零報告): nothing found. Then `caseIds` must be empty; otherwise it must list the disputes found.' })
  nilReturn!: boolean;

  @Field(() => [ID], { nullable: true, description: `The DISPUTE cases found (at most ${MAX_CASES_PER_ROUND}), in the community, that you may see in full. Report a new dispute with caseReport first.` })
  caseIds?: string[] | null;

  @Field(() => String, { nullable: true, description: 'Notes (up to 4,000 characters).' })
  note?: string | null;
}

@InputType({ description: 'A special period during which the communities of an area screen daily.' })
export class ScreeningSpecialPeriodDeclareInput {
  @Field(() => ID, { description: 'The area; every community in its subtree screens daily during the period.' })
  areaId!: string;

  @Field({ description: 'What the period is (1-200 characters), e.g. 春節.' })
  name!: string;

  @Field(() => LocalDateResolver, { description: 'First day.' })
  startsOn!: string;

  @Field(() => LocalDateResolver, { description: 'Last day, inclusive; at most 91 days after startsOn.' })
  endsOn!: string;

  @Field(() => ID, { nullable: true, description: 'The declaring organisation (its jurisdiction must cover the area); may be left out when you act for exactly one such organisation.' })
  organizationId?: string | null;
}

@ObjectType({ description: 'Result of `screeningRoundRecord`.' })
export class ScreeningRoundPayload {
  @Field(() => ScreeningRound, { nullable: true, description: 'The return filed; null when refused.' })
  round?: ScreeningRound | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of `screeningSpecialPeriodDeclare`.' })
export class ScreeningSpecialPeriodPayload {
  @Field(() => ScreeningSpecialPeriod, { nullable: true, description: 'The period declared; null when refused.' })
  specialPeriod?: ScreeningSpecialPeriod | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}

@ObjectType({ description: valueObject('A return that was due and has not been filed: a community, a frequency and a period.', WHY.computed) })
export class ScreeningSlot {
  areaId!: string;

  @Field(() => ScreeningFrequency, { description: 'Weekly, or a special-period day.' })
  frequency!: ScreeningFrequency;

  @Field(() => LocalDateResolver, { description: 'First day of the period.' })
  startsOn!: string;

  @Field(() => LocalDateResolver, { description: 'Last day of the period; the return was due by its end.' })
  endsOn!: string;
}

@ObjectType({
  description: valueObject(
    'Dispute screening of a jurisdiction over a window of complete periods: returns due from every community (COMMUNITY or VILLAGE area) in the subtree, weekly and on every special-period day, against returns filed. A return is due once its period has ended.',
    WHY.computed,
  ),
})
export class ScreeningFigures {
  @Field(() => LocalDateResolver, { description: 'First day of the window (a Monday, four weeks before the current week).' })
  windowStartsOn!: string;

  @Field(() => LocalDateResolver, { description: 'Last day of the window (yesterday, China Standard Time).' })
  windowEndsOn!: string;

  @Field(() => Int, { description: 'Communities (COMMUNITY and VILLAGE areas) in the subtree.' })
  communities!: number;

  @Field(() => Int, { description: 'Returns due in the window: one per community and complete week, plus one per community and special-period day.' })
  returnsDue!: number;

  @Field(() => Int, { description: 'Of those, returns filed (late ones included).' })
  returnsFiled!: number;

  @Field(() => Int, { description: 'Of the returns filed, nil returns (零報告).' })
  nilReturns!: number;

  @Field(() => Int, { description: 'Distinct dispute cases found by the returns filed.' })
  disputesFound!: number;

  @Field(() => Int, { description: 'Returns due and not filed (returnsDue - returnsFiled).' })
  missingCount!: number;

  @Field(() => [ScreeningSlot], { description: 'The missing returns, oldest first (at most 50; missingCount has them all).' })
  missing!: ScreeningSlot[];
}
