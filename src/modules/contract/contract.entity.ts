import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { LocalDateResolver, SafeIntResolver } from 'graphql-scalars';
import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../node/node.type';
import { compositeKey, toGlobalId } from '../../shared/relay/global-id';
import { valueObject, WHY } from '../../shared/relay/value-object';

export enum ContractStatus {
  DRAFT = 'DRAFT',
  PROPOSED = 'PROPOSED',
  ACTIVE = 'ACTIVE',
  SUSPENDED = 'SUSPENDED',
  TERMINATED = 'TERMINATED',
  EXPIRED = 'EXPIRED',
}

registerEnumType(ContractStatus, {
  name: 'ContractStatus',
  description: 'Where a contract stands: DRAFT > PROPOSED > ACTIVE > SUSPENDED / TERMINATED / EXPIRED.',
  valuesConfig: {
    DRAFT: { description: 'Being written; terms may change with `contractUpdate`.' },
    PROPOSED: { description: 'Terms frozen and put to the parties for signature. A fully signed contract stays PROPOSED until its start date.' },
    ACTIVE: { description: 'Signed by every party and in force; changes only through `contractAmend`.' },
    SUSPENDED: { description: 'Temporarily not in force; `contractResume` makes it ACTIVE again.' },
    TERMINATED: { description: 'Ended early by a party, with a reason. Final.' },
    EXPIRED: { description: 'Its end date has passed (set by the platform without anyone acting). Final.' },
  },
});

export enum ContractPartyRole {
  CLIENT = 'CLIENT',
  PROVIDER = 'PROVIDER',
  SUPERVISOR = 'SUPERVISOR',
  FUNDER = 'FUNDER',
}

registerEnumType(ContractPartyRole, {
  name: 'ContractPartyRole',
  description: 'The part an organisation plays in a contract. One organisation may hold several roles (e.g. CLIENT and FUNDER).',
  valuesConfig: {
    CLIENT: { description: 'Receives the service and benefits from it (誰出資誰受益), e.g. the resident committee.' },
    PROVIDER: { description: 'Delivers the service, e.g. the security company or patrol team. Every contract has one.' },
    SUPERVISOR: { description: 'Supervises how rights and duties are carried out, e.g. the police station.' },
    FUNDER: { description: 'Pays for the service.' },
  },
});

export enum PaymentSchedule {
  ONE_OFF = 'ONE_OFF',
  MONTHLY = 'MONTHLY',
  QUARTERLY = 'QUARTERLY',
}

registerEnumType(PaymentSchedule, {
  name: 'PaymentSchedule',
  description: 'How often the fee is paid.',
  valuesConfig: {
    ONE_OFF: { description: 'Once, for the whole term.' },
    MONTHLY: { description: 'The fee is due every month.' },
    QUARTERLY: { description: 'The fee is due every quarter.' },
  },
});

export enum ContractClauseKind {
  RIGHT = 'RIGHT',
  DUTY = 'DUTY',
}

registerEnumType(ContractClauseKind, {
  name: 'ContractClauseKind',
  description: 'Whether a clause grants a right or imposes a duty on the party role it names.',
  valuesConfig: {
    RIGHT: { description: 'Something the party may do or claim.' },
    DUTY: { description: 'Something the party must do.' },
  },
});

export enum ServiceLevelMetric {
  PATROLS_PER_DAY = 'PATROLS_PER_DAY',
  CHECKPOINT_COVERAGE = 'CHECKPOINT_COVERAGE',
  RESPONSE_MINUTES = 'RESPONSE_MINUTES',
  CUSTOM = 'CUSTOM',
}

registerEnumType(ServiceLevelMetric, {
  name: 'ServiceLevelMetric',
  description: 'What a service level measures.',
  valuesConfig: {
    PATROLS_PER_DAY: { description: 'Completed patrols in the scope areas per day; the target is a minimum.' },
    CHECKPOINT_COVERAGE: { description: 'Percentage (0-100) of checkpoints in the scope areas visited; the target is a minimum.' },
    RESPONSE_MINUTES: { description: 'Minutes from a report to arrival on site; the target is a maximum.' },
    CUSTOM: { description: 'Anything else, described in free text and checked by people, not computed.' },
  },
});

export enum ServiceLevelPeriod {
  DAY = 'DAY',
  WEEK = 'WEEK',
  MONTH = 'MONTH',
  QUARTER = 'QUARTER',
}

registerEnumType(ServiceLevelPeriod, {
  name: 'ServiceLevelPeriod',
  description: 'Over which period compliance with a service level is assessed.',
  valuesConfig: {
    DAY: { description: 'Each day.' },
    WEEK: { description: 'Each week.' },
    MONTH: { description: 'Each calendar month.' },
    QUARTER: { description: 'Each calendar quarter.' },
  },
});

@ObjectType({ description: valueObject('A fee in minor currency units (e.g. fen) with its currency and payment schedule.', WHY.terms) })
export class ContractFee {
  @Field(() => SafeIntResolver, { description: 'Amount per payment in minor units (1 CNY = 100 fen).' })
  amountMinor!: number;

  @Field({ description: 'ISO 4217 currency code, e.g. CNY.' })
  currency!: string;

  @Field(() => PaymentSchedule, { description: 'How often the amount is paid.' })
  schedule!: PaymentSchedule;
}

@Entity('contract')
@ObjectType({ implements: Node, description: 'A contract (契約) between organisations, e.g. a community contracting a security company for its zone (誰出資誰受益). Visible to its parties, organisations that SUPERVISE or GUIDE a party, and platform admins.' })
export class Contract implements Node {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('Contract', this.id);
  }

  @Column('text')
  @Field({ description: 'Title of the terms in force (or on the table while DRAFT/PROPOSED).' })
  title!: string;

  @Column('text')
  @Field(() => ContractStatus, { description: 'Where the contract stands.' })
  status!: ContractStatus;

  @Column('date')
  @Field(() => LocalDateResolver, { description: 'First day the contract is in force.' })
  startsOn!: string;

  @Column('date')
  @Field(() => LocalDateResolver, { description: 'Last day the contract is in force; it expires the day after without anyone acting.' })
  endsOn!: string;

  /** bigint: comes back from PostgreSQL as a string. */
  @Column('bigint')
  feeMinor!: string;

  @Column('text')
  currency!: string;

  @Column('text')
  paymentSchedule!: PaymentSchedule;

  @Field(() => ContractFee, { description: 'The fee, per payment, with its schedule.' })
  get fee(): ContractFee {
    return Object.assign(new ContractFee(), { amountMinor: Number(this.feeMinor), currency: this.currency, schedule: this.paymentSchedule });
  }

  @Column('int')
  @Field(() => Int, { name: 'currentVersionNumber', description: 'Number of the version whose terms these are (see `versions`).' })
  currentVersion!: number;

  @Column('int', { nullable: true })
  pendingVersion!: number | null;

  @Column('int', { default: 1 })
  @Field(() => Int, { description: 'Increments with every change; pass it back as `expectedVersion` so a concurrent change is not overwritten.' })
  version!: number;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'Why the contract is SUSPENDED or was TERMINATED; null while it is in force (resuming clears the suspension reason; the audit log keeps it).' })
  statusReason!: string | null;

  @Column('uuid')
  createdByOrganizationId!: string;

  @Column('uuid', { nullable: true })
  qualityStandardId!: string | null;

  @Column('boolean', { default: false })
  @Field({ description: "Whether a breach of the adopted quality standard suspends the contract (as its clauses allow); false without a standard." })
  suspendOnQualityBreach!: boolean;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  @Field({ description: 'When the contract was drafted.' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  @Field({ description: 'When the contract last changed.' })
  updatedAt!: Date;
}

@Entity('contract_party')
@ObjectType({ description: valueObject('An organisation taking part in a contract, with its role.', WHY.terms) })
export class ContractParty {
  @PrimaryColumn('uuid')
  contractId!: string;

  @PrimaryColumn('uuid')
  organizationId!: string;

  @PrimaryColumn('text')
  @Field(() => ContractPartyRole, { description: 'The part the organisation plays.' })
  role!: ContractPartyRole;
}

@Entity('contract_area')
export class ContractArea {
  @PrimaryColumn('uuid')
  contractId!: string;

  @PrimaryColumn('uuid')
  areaId!: string;
}

@Entity('contract_clause')
@ObjectType({ description: valueObject('A right or duty of one party role.', WHY.terms) })
export class ContractClause {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid')
  contractId!: string;

  @Column('int')
  @Field(() => Int, { description: 'Order within the contract, from 0.' })
  position!: number;

  @Column('text')
  @Field(() => ContractPartyRole, { description: 'The party role that holds the right or owes the duty.' })
  partyRole!: ContractPartyRole;

  @Column('text')
  @Field(() => ContractClauseKind, { description: 'Right or duty.' })
  kind!: ContractClauseKind;

  @Column('text')
  @Field({ description: 'Wording of the clause.' })
  text!: string;
}

@Entity('contract_service_level')
@ObjectType({ description: valueObject('A measurable promise of the provider, e.g. at least 4 patrols per day.', WHY.terms) })
export class ContractServiceLevel {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid')
  contractId!: string;

  @Column('int')
  @Field(() => Int, { description: 'Order within the contract, from 0.' })
  position!: number;

  @Column('text')
  @Field(() => ServiceLevelMetric, { description: 'What is measured.' })
  metric!: ServiceLevelMetric;

  /** numeric: comes back from PostgreSQL as a string. */
  @Column('numeric')
  target!: string;

  @Field(() => Float, { name: 'target', description: 'Target value: a minimum for PATROLS_PER_DAY and CHECKPOINT_COVERAGE (percent), a maximum for RESPONSE_MINUTES.' })
  get targetValue(): number {
    return Number(this.target);
  }

  @Column('text')
  @Field(() => ServiceLevelPeriod, { description: 'Over which period compliance is assessed.' })
  period!: ServiceLevelPeriod;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'What is meant, in words; required for CUSTOM metrics.' })
  description!: string | null;
}

/** The full terms of one version, as stored in `contract_version.snapshot`. */
export interface ContractTermsSnapshot {
  title: string;
  startsOn: string;
  endsOn: string;
  feeMinor: string;
  currency: string;
  paymentSchedule: PaymentSchedule;
  parties: { organizationId: string; role: ContractPartyRole }[];
  areaIds: string[];
  clauses: { id: string; partyRole: ContractPartyRole; kind: ContractClauseKind; text: string }[];
  serviceLevels: { id: string; metric: ServiceLevelMetric; target: string; period: ServiceLevelPeriod; description: string | null }[];
}

@Entity('contract_version')
@ObjectType({ implements: Node, description: 'One version of a contract: the original terms or an amendment. Every version stays readable.' })
export class ContractVersion implements Node {
  @PrimaryColumn('uuid')
  contractId!: string;

  @PrimaryColumn('int')
  @Field(() => Int, { description: 'Version number, from 1.' })
  number!: number;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('ContractVersion', compositeKey(this.contractId, this.number));
  }

  @Column('jsonb')
  snapshot!: ContractTermsSnapshot;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'What the amendment changes and why.' })
  note!: string | null;

  @Column('uuid', { nullable: true })
  createdByUserId!: string | null;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  @Field({ description: 'When the version was written.' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', nullable: true, precision: 3 })
  @Field(() => Date, { nullable: true, description: 'When it was put to the parties for signature.' })
  proposedAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true, precision: 3 })
  @Field(() => Date, { nullable: true, description: 'When the last party signed it; null while signatures are missing.' })
  signedAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true, precision: 3 })
  @Field(() => Date, { nullable: true, description: 'When it was dropped unsigned (the contract ended before every party signed the amendment).' })
  withdrawnAt!: Date | null;
}

@Entity('contract_signature')
@ObjectType({ implements: Node, description: "A party's signature on one version." })
export class ContractSignature implements Node {
  @PrimaryColumn('uuid')
  contractId!: string;

  @PrimaryColumn('int')
  @Field(() => Int, { description: 'The version signed.' })
  versionNumber!: number;

  @PrimaryColumn('uuid')
  organizationId!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('ContractSignature', compositeKey(this.contractId, this.versionNumber, this.organizationId));
  }

  @Column('uuid', { nullable: true })
  signedByUserId!: string | null;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  @Field({ description: 'When the party signed.' })
  signedAt!: Date;
}

@ObjectType({ description: valueObject('The full terms of one contract version, as the parties signed (or are asked to sign) them.', WHY.terms) })
export class ContractTerms {
  @Field({ description: 'Title.' })
  title!: string;

  @Field(() => LocalDateResolver, { description: 'First day in force.' })
  startsOn!: string;

  @Field(() => LocalDateResolver, { description: 'Last day in force.' })
  endsOn!: string;

  @Field(() => ContractFee, { description: 'Fee per payment and schedule.' })
  fee!: ContractFee;

  @Field(() => [ContractParty], { description: 'Parties with their roles.' })
  parties!: ContractParty[];

  @Field(() => [ContractClause], { description: 'Rights and duties, in order.' })
  clauses!: ContractClause[];

  @Field(() => [ContractServiceLevel], { description: 'Service levels, in order.' })
  serviceLevels!: ContractServiceLevel[];

  areaIds!: string[];
}

export function termsFromSnapshot(contractId: string, s: ContractTermsSnapshot): ContractTerms {
  return Object.assign(new ContractTerms(), {
    title: s.title,
    startsOn: s.startsOn,
    endsOn: s.endsOn,
    fee: Object.assign(new ContractFee(), { amountMinor: Number(s.feeMinor), currency: s.currency, schedule: s.paymentSchedule }),
    parties: s.parties.map((p) => Object.assign(new ContractParty(), { contractId, organizationId: p.organizationId, role: p.role })),
    clauses: s.clauses.map((c, position) => Object.assign(new ContractClause(), { ...c, contractId, position })),
    serviceLevels: s.serviceLevels.map((l, position) => Object.assign(new ContractServiceLevel(), { ...l, contractId, position })),
    areaIds: s.areaIds,
  });
}
