import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Node } from '../node/node.type';
import { toGlobalId } from '../../shared/relay/global-id';
import { valueObject, WHY } from '../../shared/relay/value-object';

export enum OrganizationKind {
  GOVERNMENT_BODY = 'GOVERNMENT_BODY',
  POLICE_STATION = 'POLICE_STATION',
  STREET_OFFICE = 'STREET_OFFICE',
  RESIDENT_COMMITTEE = 'RESIDENT_COMMITTEE',
  VILLAGE_COMMITTEE = 'VILLAGE_COMMITTEE',
  NGO = 'NGO',
  SECURITY_COMPANY = 'SECURITY_COMPANY',
  VOLUNTEER_PATROL = 'VOLUNTEER_PATROL',
  PROPERTY_MANAGER = 'PROPERTY_MANAGER',
  LEGAL_SERVICE = 'LEGAL_SERVICE',
}

registerEnumType(OrganizationKind, {
  name: 'OrganizationKind',
  description: 'What kind of actor an organisation is.',
  valuesConfig: {
    GOVERNMENT_BODY: { description: 'A government department or committee.' },
    POLICE_STATION: { description: 'A police station (派出所) with a jurisdiction.' },
    STREET_OFFICE: { description: 'A street office (街道辦事處).' },
    RESIDENT_COMMITTEE: { description: 'An urban resident committee (居委會 / 社區).' },
    VILLAGE_COMMITTEE: { description: 'A village committee (村委會).' },
    NGO: { description: 'A non-governmental social organisation.' },
    SECURITY_COMPANY: { description: 'A security services company (保安服務公司).' },
    VOLUNTEER_PATROL: { description: 'A volunteer patrol organisation (義務巡防隊).' },
    PROPERTY_MANAGER: { description: 'A property management company (物業).' },
    LEGAL_SERVICE: { description: 'A legal service or legal aid provider.' },
  },
});

@Entity('organization')
@ObjectType({ implements: Node, description: 'An actor of the governance network.' })
export class Organization implements Node {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('Organization', this.id);
  }

  @Column('text')
  @Field({ description: 'Name, e.g. 沙市區公安分局中山派出所.' })
  name!: string;

  @Column('text')
  @Field(() => OrganizationKind, { description: 'Kind of actor.' })
  kind!: OrganizationKind;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'What the organisation does, in its own words.' })
  description!: string | null;

  @Column('uuid')
  homeAreaId!: string;

  @Column('uuid', { nullable: true })
  parentId!: string | null;

  @Column('int', { default: 1 })
  @Field(() => Int, { description: 'Increments with every change; pass it back to update without overwriting a concurrent change.' })
  version!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  @Field({ description: 'When the organisation was registered.' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  @Field({ description: 'When the organisation was last changed.' })
  updatedAt!: Date;
}

/**
 * Areas an organisation is responsible for; the whole subtree below each
 * counts. Each row is a grant: by a platform admin (`grantedByOrganizationId`
 * null) or delegated by the parent organisation from its own jurisdiction.
 */
@Entity('organization_jurisdiction')
@ObjectType('JurisdictionGrant', { description: valueObject('One area of an organisation\'s jurisdiction, and who granted it when.', WHY.part) })
export class OrganizationJurisdiction {
  @Column('uuid', { primary: true })
  organizationId!: string;

  @Column('uuid', { primary: true })
  areaId!: string;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  @Field({ description: 'When the jurisdiction was granted.' })
  grantedAt!: Date;

  @Column('uuid', { nullable: true })
  grantedByOrganizationId!: string | null;

  @Column('uuid', { nullable: true })
  grantedByUserId!: string | null;
}
