import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../node/node.type';
import { toGlobalId } from '../../shared/relay/global-id';
import { CaseCategory } from '../case/case.entity';

export enum LegalConsultationOutcome {
  ADVISED = 'ADVISED',
  REFERRED_TO_LEGAL_AID = 'REFERRED_TO_LEGAL_AID',
  MEDIATION = 'MEDIATION',
  CASE_OPENED = 'CASE_OPENED',
}

registerEnumType(LegalConsultationOutcome, {
  name: 'LegalConsultationOutcome',
  description: 'What came of a consultation at a legal-service room.',
  valuesConfig: {
    ADVISED: { description: 'Answered on the spot.' },
    REFERRED_TO_LEGAL_AID: { description: 'Referred to legal aid (法律援助).' },
    MEDIATION: { description: 'Sent to mediation (調解).' },
    CASE_OPENED: { description: 'A case was opened (link it with caseId).' },
  },
});

@Entity('legal_service_room')
@ObjectType({
  implements: Node,
  description: 'A community legal-service room (村(社區)公共法律服務工作室) run by a resident or village committee, with its lawyers on duty. Every signed-in user sees rooms and rosters; lawyers\' phones and the consultations are for the room\'s organisation, the lawyer\'s organisation and organisations whose jurisdiction covers the area.',
})
export class LegalServiceRoom implements Node {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('LegalServiceRoom', this.id);
  }

  @Column('uuid')
  organizationId!: string;

  @Column('uuid')
  areaId!: string;

  @Column('text')
  @Field({ description: 'Name, e.g. 三板橋社區公共法律服務工作室.' })
  name!: string;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'Where it is.' })
  address!: string | null;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'When it is open, in words.' })
  openingHours!: string | null;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  @Field({ description: 'When it was registered.' })
  createdAt!: Date;
}

@Entity('legal_service_duty')
@ObjectType({ implements: Node, description: "A lawyer's or legal worker's duty at a legal-service room (律師值班表)." })
export class LegalServiceDuty implements Node {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('LegalServiceDuty', this.id);
  }

  @Column('uuid')
  roomId!: string;

  @Column('text')
  @Field({ description: 'The lawyer on duty.' })
  lawyerName!: string;

  @Column('uuid', { nullable: true })
  lawyerOrganizationId!: string | null;

  @Column('text', { nullable: true })
  lawyerPhone!: string | null;

  @Column({ type: 'timestamptz', precision: 3 })
  @Field({ description: 'Duty starts.' })
  startsAt!: Date;

  @Column({ type: 'timestamptz', precision: 3 })
  @Field({ description: 'Duty ends.' })
  endsAt!: Date;
}

@Entity('legal_consultation')
@ObjectType({ implements: Node, description: 'One consultation at a legal-service room: what was asked and what came of it. Holds no personal data of the person who asked.' })
export class LegalConsultation implements Node {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('LegalConsultation', this.id);
  }

  @Column('uuid')
  roomId!: string;

  @Column('uuid', { nullable: true })
  dutyId!: string | null;

  @Column({ type: 'timestamptz', precision: 3 })
  @Field({ description: 'When it took place.' })
  occurredAt!: Date;

  @Column('text')
  @Field({ description: 'What was asked about, e.g. 鄰里宅基地糾紛.' })
  topic!: string;

  @Column('text', { nullable: true })
  @Field(() => CaseCategory, { nullable: true, description: 'The category it falls under, when there is one.' })
  caseCategory!: CaseCategory | null;

  @Column('text')
  @Field(() => LegalConsultationOutcome, { description: 'What came of it.' })
  outcome!: LegalConsultationOutcome;

  @Column('uuid', { nullable: true })
  caseId!: string | null;

  @Column('uuid', { nullable: true })
  loggedByUserId!: string | null;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  @Field({ description: 'When it was logged.' })
  createdAt!: Date;
}
