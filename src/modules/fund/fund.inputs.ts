import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { LocalDateResolver, SafeIntResolver } from 'graphql-scalars';
import { UserError } from '../../shared/errors';
import { FundEntry, FundEntryCategory, FundStatement, SecurityFund } from './fund.entity';

@InputType({ description: 'A new security fund.' })
export class SecurityFundCreateInput {
  @Field(() => ID, { description: 'The organisation that collects, manages and supervises the fund (you must be its ADMIN).' })
  organizationId!: string;

  @Field({ description: 'Name (1-200 characters), e.g. 三板橋社區安防經費.' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'What the fund is for (up to 2,000 characters).' })
  description?: string | null;

  @Field(() => String, { nullable: true, defaultValue: 'CNY', description: 'ISO 4217 currency of every amount; default CNY.' })
  currency?: string | null;

  @Field(() => [ID], { nullable: true, description: 'Patrol teams paid from this fund (at most 500): teams of the organisation or of one it FUNDS. A team is paid from one fund only.' })
  teamIds?: string[] | null;

  @Field(() => ID, { nullable: true, description: 'A contract the fund pays, one the organisation is the CLIENT or FUNDER of.' })
  contractId?: string | null;
}

@InputType({ description: 'Change which teams and contract a fund pays.' })
export class SecurityFundUpdateInput {
  @Field(() => ID, { description: 'The fund.' })
  fundId!: string;

  @Field(() => Int, { nullable: true, description: 'The version you read; the change is refused with CONFLICT if the fund changed since.' })
  expectedVersion?: number | null;

  @Field(() => String, { nullable: true, description: 'New name; omit to keep.' })
  name?: string | null;

  @Field(() => [ID], { nullable: true, description: 'The teams paid from the fund, replacing the list; omit to keep.' })
  teamIds?: string[] | null;

  @Field(() => ID, { nullable: true, description: 'The contract paid from the fund; omit to keep.' })
  contractId?: string | null;
}

@InputType({ description: 'A contribution or payout.' })
export class FundEntryRecordInput {
  @Field(() => ID, { description: 'The fund.' })
  fundId!: string;

  @Field(() => FundEntryCategory, { description: 'What it is for; the category decides whether it is a contribution or a payout.' })
  category!: FundEntryCategory;

  @Field(() => LocalDateResolver, { description: 'The day the money moved: not in the future, and not in a published period (PERIOD_PUBLISHED).' })
  occurredOn!: string;

  @Field(() => SafeIntResolver, { description: 'Amount in minor units, 1 to 10,000,000,000 (no fractions: 1 CNY = 100 fen).' })
  amountMinor!: number;

  @Field(() => String, { nullable: true, description: 'Receipt or voucher number (up to 100 characters).' })
  receiptReference?: string | null;

  @Field(() => String, { nullable: true, description: 'What it is, in words (up to 1,000 characters).' })
  description?: string | null;

  @Field(() => ID, { nullable: true, description: 'For GUARD_PAY: the roster entry of the person paid (a member of a team the fund pays).' })
  rosterEntryId?: string | null;

  @Field(() => LocalDateResolver, { nullable: true, description: 'For GUARD_PAY: any day of the month paid for.' })
  payMonth?: string | null;
}

@InputType({ description: 'Approve or reject an entry waiting for a second person.' })
export class FundEntryDecideInput {
  @Field(() => ID, { description: 'The pending entry.' })
  entryId!: string;

  @Field(() => String, { nullable: true, description: 'For a rejection: why (up to 1,000 characters; required there).' })
  reason?: string | null;
}

@InputType({ description: 'Correct an entry by a reversing entry.' })
export class FundEntryReverseInput {
  @Field(() => ID, { description: 'The counted entry to reverse (it may lie in a published period: that is how a published period is corrected).' })
  entryId!: string;

  @Field(() => LocalDateResolver, { description: 'The day of the reversing entry; it must lie in an open (unpublished) period.' })
  occurredOn!: string;

  @Field({ description: 'Why (1-1,000 characters); it becomes the description of the reversing entry.' })
  reason!: string;
}

@InputType({ description: "Draw a paid guard's pay for a month from the hours of the patrols they took part in." })
export class FundPayoutFromHoursInput {
  @Field(() => ID, { description: 'The fund; it must pay the team of the roster entry.' })
  fundId!: string;

  @Field(() => ID, { description: 'The roster entry of the paid guard (category PAID_GUARD).' })
  rosterEntryId!: string;

  @Field(() => LocalDateResolver, { description: 'Any day of the month to pay for; the month must have ended.' })
  month!: string;

  @Field(() => SafeIntResolver, { nullable: true, description: "Rate per hour in minor units; omit to use the roster entry's rate." })
  rateMinorPerHour?: number | null;

  @Field(() => LocalDateResolver, { nullable: true, description: 'The day of the payout; default today. Not in a published period.' })
  occurredOn?: string | null;

  @Field(() => String, { nullable: true, description: 'Receipt or voucher number.' })
  receiptReference?: string | null;
}

@InputType({ description: 'Publish (公示) the statement of a period.' })
export class FundStatementPublishInput {
  @Field(() => ID, { description: 'The fund.' })
  fundId!: string;

  @Field(() => LocalDateResolver, { description: 'First day of the period.' })
  periodStart!: string;

  @Field(() => LocalDateResolver, { description: 'Last day of the period: not after today, at most 366 days after the start, and the period must not overlap a published one.' })
  periodEnd!: string;

  @Field(() => String, { nullable: true, description: 'A note to residents (up to 1,000 characters).' })
  note?: string | null;
}

@ObjectType({ description: 'Result of `securityFundCreate` and `securityFundUpdate`.' })
export class SecurityFundPayload {
  @Field(() => SecurityFund, { nullable: true, description: 'The fund; null when refused.' })
  fund?: SecurityFund | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of the mutations that record or decide fund entries.' })
export class FundEntryPayload {
  @Field(() => FundEntry, { nullable: true, description: 'The entry recorded or decided; null when refused.' })
  entry?: FundEntry | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of `fundStatementPublish`.' })
export class FundStatementPayload {
  @Field(() => FundStatement, { nullable: true, description: 'The published statement; null when refused.' })
  statement?: FundStatement | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}
