import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { LocalDateResolver, SafeIntResolver } from 'graphql-scalars';
import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../node/node.type';
import { toGlobalId } from '../../shared/relay/global-id';
import { valueObject, WHY } from '../../shared/relay/value-object';

const bigint = { to: (v: number | null) => v, from: (v: string | null) => (v === null ? null : Number(v)) };

export enum FundEntryKind {
  CONTRIBUTION = 'CONTRIBUTION',
  PAYOUT = 'PAYOUT',
}

registerEnumType(FundEntryKind, {
  name: 'FundEntryKind',
  description: 'Money into or out of a security fund.',
  valuesConfig: {
    CONTRIBUTION: { description: 'Money in (誰出資誰受益): households, shops, units, a government subsidy.' },
    PAYOUT: { description: 'Money out: guard pay, equipment, insurance. Counts only once a second person approved it.' },
  },
});

export enum FundEntryCategory {
  HOUSEHOLDS = 'HOUSEHOLDS',
  SHOPS = 'SHOPS',
  UNITS = 'UNITS',
  GOVERNMENT_SUBSIDY = 'GOVERNMENT_SUBSIDY',
  OTHER_INCOME = 'OTHER_INCOME',
  GUARD_PAY = 'GUARD_PAY',
  EQUIPMENT = 'EQUIPMENT',
  INSURANCE = 'INSURANCE',
  OTHER_EXPENSE = 'OTHER_EXPENSE',
}

export const CONTRIBUTION_CATEGORIES = [FundEntryCategory.HOUSEHOLDS, FundEntryCategory.SHOPS, FundEntryCategory.UNITS, FundEntryCategory.GOVERNMENT_SUBSIDY, FundEntryCategory.OTHER_INCOME];

/** The kind follows from the category. */
export function kindOf(category: FundEntryCategory): FundEntryKind {
  return CONTRIBUTION_CATEGORIES.includes(category) ? FundEntryKind.CONTRIBUTION : FundEntryKind.PAYOUT;
}

registerEnumType(FundEntryCategory, {
  name: 'FundEntryCategory',
  description: 'What an entry is for; the first five are contributions, the others payouts.',
  valuesConfig: {
    HOUSEHOLDS: { description: 'Contribution: security fees collected from households (住戶).' },
    SHOPS: { description: 'Contribution: from shops (門店商戶).' },
    UNITS: { description: 'Contribution: from units in the area (駐區單位).' },
    GOVERNMENT_SUBSIDY: { description: 'Contribution: a government subsidy (政府補貼).' },
    OTHER_INCOME: { description: 'Contribution: anything else received.' },
    GUARD_PAY: { description: 'Payout: pay of a guard for a month (安防隊員報酬), drawn from the hours patrolled or entered directly.' },
    EQUIPMENT: { description: 'Payout: equipment (torches, uniforms, radios).' },
    INSURANCE: { description: 'Payout: insurance of the team members.' },
    OTHER_EXPENSE: { description: 'Payout: anything else paid.' },
  },
});

export enum FundEntryStatus {
  PENDING = 'PENDING',
  COUNTED = 'COUNTED',
  REJECTED = 'REJECTED',
}

registerEnumType(FundEntryStatus, {
  name: 'FundEntryStatus',
  description: 'Whether an entry counts in the balance.',
  valuesConfig: {
    PENDING: { description: 'A payout or reversal waiting for a second person (not its recorder) to approve it; it does not count yet.' },
    COUNTED: { description: 'Counts in the balance and statements: a contribution as recorded, a payout or reversal once approved.' },
    REJECTED: { description: 'Refused by a second person; never counts. The entry stays on the books.' },
  },
});

@Entity('security_fund')
@ObjectType({
  implements: Node,
  description:
    "A community security fund (經費由社區收取、管理和監督) of an organisation: contributions in, payouts out, statements published to residents (公示). It may pay patrol teams (社區統一籌資, what the 安防隊 are paid from) and a contract (what a security company is paid from). Seen by the organisation, those who supervise or guide it, the organisations of the teams it pays and the parties of its contract.",
})
export class SecurityFund implements Node {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('SecurityFund', this.id);
  }

  @Column('uuid')
  organizationId!: string;

  @Column('text')
  @Field({ description: 'Name, e.g. 民意街社區安保經費.' })
  name!: string;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'What the fund is for and how it is collected.' })
  description!: string | null;

  @Column('text')
  @Field({ description: 'ISO 4217 currency of every amount of the fund, e.g. CNY.' })
  currency!: string;

  @Column('uuid', { nullable: true })
  contractId!: string | null;

  @Column('uuid', { nullable: true })
  createdByUserId!: string | null;

  @Column('int', { default: 1 })
  @Field(() => Int, { description: 'Increments with every change of the fund itself (teams, contract); pass it back as expectedVersion.' })
  version!: number;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  @Field({ description: 'When the fund was set up.' })
  createdAt!: Date;
}

@Entity('security_fund_team')
export class SecurityFundTeam {
  @PrimaryColumn('uuid')
  teamId!: string;

  @Column('uuid')
  fundId!: string;
}

@Entity('fund_entry')
@ObjectType({
  implements: Node,
  description:
    'One entry of a security fund, never edited: a wrong entry is corrected by a reversing entry (`fundEntryReverse`) and, if needed, a new one. A payout (and any reversal) counts only once a second person, not its recorder, approved it.',
})
export class FundEntry implements Node {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('FundEntry', this.id);
  }

  @Column('uuid')
  fundId!: string;

  @Column('text')
  @Field(() => FundEntryKind, { description: 'Money in or out.' })
  kind!: FundEntryKind;

  @Column('text')
  @Field(() => FundEntryCategory, { description: 'What it is for.' })
  category!: FundEntryCategory;

  @Column('date')
  @Field(() => LocalDateResolver, { description: 'The day the money moved; it decides the period (and statement) the entry belongs to.' })
  occurredOn!: string;

  @Column('bigint', { transformer: bigint })
  @Field(() => SafeIntResolver, { description: "Amount in minor units of the fund's currency (1 CNY = 100 fen); always positive, the kind and `reverses` give the direction." })
  amountMinor!: number;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'Receipt or voucher number (收據號).' })
  receiptReference!: string | null;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'What the entry is, in words.' })
  description!: string | null;

  @Column('uuid', { nullable: true })
  reversesEntryId!: string | null;

  @Column('uuid', { nullable: true })
  rosterEntryId!: string | null;

  @Column('date', { nullable: true })
  @Field(() => LocalDateResolver, { nullable: true, description: 'For guard pay: the month paid for (its first day).' })
  payMonth!: string | null;

  @Column('numeric', { nullable: true, transformer: bigint })
  @Field(() => Float, { nullable: true, description: 'For guard pay drawn from patrols: the hours patrolled in the month.' })
  hours!: number | null;

  @Column('bigint', { nullable: true, transformer: bigint })
  @Field(() => SafeIntResolver, { nullable: true, description: 'For guard pay drawn from patrols: the rate per hour in minor units.' })
  rateMinorPerHour!: number | null;

  @Column('text')
  @Field(() => FundEntryStatus, { description: 'Whether it counts.' })
  status!: FundEntryStatus;

  @Column('uuid')
  recordedByUserId!: string;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  @Field({ description: 'When it was recorded.' })
  recordedAt!: Date;

  @Column('uuid', { nullable: true })
  approvedByUserId!: string | null;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  @Field(() => Date, { nullable: true, description: 'When a second person approved it; null for a contribution (it counts as recorded) and while pending.' })
  approvedAt!: Date | null;

  @Column('uuid', { nullable: true })
  rejectedByUserId!: string | null;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  @Field(() => Date, { nullable: true, description: 'When it was rejected.' })
  rejectedAt!: Date | null;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'Why it was rejected.' })
  rejectionReason!: string | null;

  /** Its effect on the balance in minor units: + in, - out; a reversal undoes its original. Zero unless counted. */
  get effectMinor(): number {
    if (this.status !== FundEntryStatus.COUNTED) return 0;
    const sign = this.kind === FundEntryKind.CONTRIBUTION ? 1 : -1;
    return sign * (this.reversesEntryId ? -1 : 1) * this.amountMinor;
  }
}

@ObjectType({ description: valueObject('An amount of money.', WHY.part) })
export class FundAmount {
  @Field(() => SafeIntResolver, { description: 'Amount in minor units (1 CNY = 100 fen); negative for a deficit.' })
  amountMinor!: number;

  @Field({ description: 'ISO 4217 currency code.' })
  currency!: string;
}

@ObjectType({ description: valueObject('The total of one category in a period, net of reversals.', WHY.part) })
export class FundStatementLine {
  @Field(() => FundEntryKind, { description: 'In or out.' })
  kind!: FundEntryKind;

  @Field(() => FundEntryCategory, { description: 'The category.' })
  category!: FundEntryCategory;

  @Field(() => SafeIntResolver, { description: 'Net total in minor units (reversals subtracted).' })
  amountMinor!: number;

  @Field(() => Int, { description: 'Counted entries of the category in the period, reversals included.' })
  entryCount!: number;
}

@ObjectType({ description: valueObject("A fund's figures for a period: opening balance, money in and out by category, closing balance. Only counted entries are in it.", WHY.computed) })
export class FundStatementFigures {
  @Field(() => LocalDateResolver, { description: 'First day of the period.' })
  periodStart!: string;

  @Field(() => LocalDateResolver, { description: 'Last day of the period.' })
  periodEnd!: string;

  @Field({ description: 'ISO 4217 currency of the amounts.' })
  currency!: string;

  @Field(() => SafeIntResolver, { description: 'Balance before the period, in minor units.' })
  openingBalanceMinor!: number;

  @Field(() => SafeIntResolver, { description: 'Net contributions in the period, in minor units.' })
  contributionsMinor!: number;

  @Field(() => SafeIntResolver, { description: 'Net payouts in the period, in minor units.' })
  payoutsMinor!: number;

  @Field(() => SafeIntResolver, { description: 'Balance at the end of the period: opening + contributions - payouts.' })
  closingBalanceMinor!: number;

  @Field(() => Int, { description: 'Counted entries in the period.' })
  entryCount!: number;

  @Field(() => [FundStatementLine], { description: 'Totals by category (categories without entries left out).' })
  lines!: FundStatementLine[];

  @Field(() => Int, { description: 'Entries of the period still waiting for approval (not in the figures). A period with any cannot be published.' })
  pendingCount!: number;

  @Field(() => Boolean, { description: 'Whether the whole period lies in published statements (frozen).' })
  published!: boolean;
}

@Entity('fund_statement')
@ObjectType({
  implements: Node,
  description:
    "A published statement (公示) of a fund for a period: the figures as they were when published, with no names in them. Publishing freezes the period: no entry may be added to it, approved or rejected in it any more; corrections go into an open period as reversing entries.",
})
export class FundStatement implements Node {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('FundStatement', this.id);
  }

  @Column('uuid')
  fundId!: string;

  @Column('date')
  @Field(() => LocalDateResolver, { description: 'First day of the period.' })
  periodStart!: string;

  @Column('date')
  @Field(() => LocalDateResolver, { description: 'Last day of the period.' })
  periodEnd!: string;

  @Column('bigint', { transformer: bigint })
  @Field(() => SafeIntResolver, { description: 'Balance before the period, in minor units.' })
  openingBalanceMinor!: number;

  @Column('bigint', { transformer: bigint })
  @Field(() => SafeIntResolver, { description: 'Net contributions in the period, in minor units.' })
  contributionsMinor!: number;

  @Column('bigint', { transformer: bigint })
  @Field(() => SafeIntResolver, { description: 'Net payouts in the period, in minor units.' })
  payoutsMinor!: number;

  @Column('bigint', { transformer: bigint })
  @Field(() => SafeIntResolver, { description: 'Balance at the end of the period.' })
  closingBalanceMinor!: number;

  @Column('int')
  @Field(() => Int, { description: 'Counted entries in the period.' })
  entryCount!: number;

  @Column('jsonb')
  @Field(() => [FundStatementLine], { description: 'Totals by category.' })
  lines!: FundStatementLine[];

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'A note to residents, e.g. where the statement is posted.' })
  note!: string | null;

  @Column('uuid')
  publishedByUserId!: string;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  @Field({ description: 'When it was published.' })
  publishedAt!: Date;
}
