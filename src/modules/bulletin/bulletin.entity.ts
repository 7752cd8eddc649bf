import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../node/node.type';
import { toGlobalId } from '../../shared/relay/global-id';
import { valueObject, WHY } from '../../shared/relay/value-object';
import { UserError } from '../../shared/errors';
import type { EventRecord } from '../../shared/events/event.entity';
import { CaseCategory } from '../case/case.entity';
import { OrganizationKind } from '../organization/organization.entity';

export enum BulletinKind {
  BULLETIN = 'BULLETIN',
  RISK_ALERT = 'RISK_ALERT',
}

registerEnumType(BulletinKind, {
  name: 'BulletinKind',
  description: 'What a bulletin is.',
  valuesConfig: {
    BULLETIN: { description: 'Information shared (情況通報), e.g. a new rule, the month\'s security situation.' },
    RISK_ALERT: { description: 'A risk alert (風險提示) asking for action, e.g. a burglary pattern in a neighbourhood.' },
  },
});

export enum BulletinSeverity {
  INFO = 'INFO',
  WARNING = 'WARNING',
  URGENT = 'URGENT',
}

registerEnumType(BulletinSeverity, {
  name: 'BulletinSeverity',
  description: 'How pressing a bulletin is.',
  valuesConfig: {
    INFO: { description: 'For information.' },
    WARNING: { description: 'Take precautions.' },
    URGENT: { description: 'Act now.' },
  },
});

@Entity('bulletin')
@ObjectType({
  implements: Node,
  description:
    'A bulletin or risk alert a police station or street office issues to the organisations of an area subtree chosen by kind (聯動查處、信息共享). Seen by the issuer, the recipients and platform admins; each recipient acknowledges it.',
})
export class Bulletin implements Node {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('Bulletin', this.id);
  }

  @Column('uuid')
  issuerOrganizationId!: string;

  @Column('text')
  @Field(() => BulletinKind, { description: 'BULLETIN or RISK_ALERT.' })
  kind!: BulletinKind;

  @Column('text')
  @Field(() => BulletinSeverity, { description: 'How pressing it is.' })
  severity!: BulletinSeverity;

  @Column('text')
  @Field({ description: 'Title, e.g. 近期夜間入室盜竊風險提示.' })
  title!: string;

  @Column('text')
  @Field({ description: 'The text.' })
  body!: string;

  @Column('uuid')
  areaId!: string;

  @Column('text', { array: true })
  @Field(() => [OrganizationKind], { description: 'The kinds of organisation addressed; empty: every kind.' })
  targetKinds!: OrganizationKind[];

  @Column('text', { nullable: true })
  @Field(() => CaseCategory, { nullable: true, description: 'The category of cases it is about, if any.' })
  caseCategory!: CaseCategory | null;

  @Column('uuid', { nullable: true })
  issuedByUserId!: string | null;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  @Field({ description: 'When it was issued.' })
  issuedAt!: Date;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  @Field(() => Date, { nullable: true, description: 'When it stops applying; null: until further notice.' })
  expiresAt!: Date | null;
}

@Entity('bulletin_recipient')
@ObjectType({ description: valueObject('An organisation a bulletin was addressed to, and its acknowledgement.', WHY.part) })
export class BulletinRecipient {
  @Column('uuid', { primary: true })
  bulletinId!: string;

  @Column('uuid', { primary: true })
  organizationId!: string;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  @Field(() => Date, { nullable: true, description: 'When it acknowledged; null while it has not.' })
  acknowledgedAt!: Date | null;

  @Column('uuid', { nullable: true })
  acknowledgedByUserId!: string | null;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'What it said on acknowledging (e.g. what it will do).' })
  acknowledgementNote!: string | null;
}

@Entity('bulletin_watch')
@ObjectType({ description: valueObject('A place the bulletin asks patrols to watch.', WHY.part) })
export class BulletinWatch {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid')
  bulletinId!: string;

  @Column('uuid')
  checkpointId!: string;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'What to watch for there.' })
  note!: string | null;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  @Field(() => Date, { nullable: true, description: 'Watch until; null: as long as the bulletin applies.' })
  watchUntil!: Date | null;
}

@InputType({ description: 'A checkpoint to watch.' })
export class BulletinWatchInput {
  @Field(() => ID, { description: 'The checkpoint: in the bulletin\'s area subtree and one the issuer may see.' })
  checkpointId!: string;

  @Field(() => String, { nullable: true, description: 'What to watch for (up to 500 characters).' })
  note?: string | null;

  @Field(() => Date, { nullable: true, description: 'Watch until (after now).' })
  watchUntil?: Date | null;
}

@InputType({ description: 'A bulletin or risk alert to issue.' })
export class BulletinIssueInput {
  @Field(() => ID, { description: 'The issuing police station or street office (you must be its ADMIN, COORDINATOR or LIAISON_OFFICER).' })
  issuerOrganizationId!: string;

  @Field(() => BulletinKind, { description: 'BULLETIN or RISK_ALERT.' })
  kind!: BulletinKind;

  @Field(() => BulletinSeverity, { defaultValue: BulletinSeverity.INFO, description: 'How pressing it is.' })
  severity!: BulletinSeverity;

  @Field({ description: 'Title (1-200 characters).' })
  title!: string;

  @Field({ description: 'Text (1-10,000 characters).' })
  body!: string;

  @Field(() => ID, { description: "The area subtree addressed: within the issuer's jurisdiction." })
  areaId!: string;

  @Field(() => [OrganizationKind], { defaultValue: [], description: 'Only organisations of these kinds; empty: every kind.' })
  targetKinds!: OrganizationKind[];

  @Field(() => CaseCategory, { nullable: true, description: 'The category of cases it is about.' })
  caseCategory?: CaseCategory | null;

  @Field(() => Date, { nullable: true, description: 'When it stops applying (after now).' })
  expiresAt?: Date | null;

  @Field(() => [BulletinWatchInput], { defaultValue: [], description: 'Places patrols are asked to watch (at most 50).' })
  watches!: BulletinWatchInput[];
}

@InputType({ description: 'A recipient acknowledges a bulletin.' })
export class BulletinAcknowledgeInput {
  @Field(() => ID, { description: 'The bulletin.' })
  bulletinId!: string;

  @Field(() => ID, { description: 'The recipient organisation acknowledging (you must act for it).' })
  organizationId!: string;

  @Field(() => String, { nullable: true, description: 'What it will do (up to 1,000 characters).' })
  note?: string | null;
}

@ObjectType({ description: 'Result of the bulletin mutations.' })
export class BulletinPayload {
  @Field(() => Bulletin, { nullable: true, description: 'The bulletin; null when refused.' })
  bulletin?: Bulletin | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}

export const BULLETIN_EVENT_TYPES = ['bulletin.issued', 'bulletin.acknowledged'] as const;

@ObjectType({ description: valueObject('A bulletin issued to, or acknowledged by, one of your organisations.', WHY.event) })
export class BulletinChange {
  @Field({ description: 'Position in the event log; pass it as `after` to resume from here.' })
  cursor!: string;

  @Field({ description: `What happened: ${BULLETIN_EVENT_TYPES.join(', ')}.` })
  type!: string;

  @Field({ description: 'When the change was committed.' })
  occurredAt!: Date;

  event!: EventRecord;
}

export function toBulletinChange(event: EventRecord): BulletinChange {
  return Object.assign(new BulletinChange(), { cursor: event.id, type: event.type, occurredAt: event.createdAt, event });
}
