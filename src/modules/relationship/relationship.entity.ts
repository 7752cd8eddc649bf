import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../node/node.type';
import { toGlobalId } from '../../shared/relay/global-id';

export enum RelationshipType {
  GUIDES = 'GUIDES',
  SUPERVISES = 'SUPERVISES',
  FUNDS = 'FUNDS',
  CONTRACTS_WITH = 'CONTRACTS_WITH',
  PARTNERS_WITH = 'PARTNERS_WITH',
}

registerEnumType(RelationshipType, {
  name: 'RelationshipType',
  description: 'How one organisation relates to another; read as "from TYPE to".',
  valuesConfig: {
    GUIDES: { description: 'Gives professional guidance (e.g. a police station guides a community security team).' },
    SUPERVISES: { description: 'Supervises how duties are carried out.' },
    FUNDS: { description: 'Pays for the other organisation\'s work.' },
    CONTRACTS_WITH: { description: 'Has a contract with the other organisation.' },
    PARTNERS_WITH: { description: 'Works with the other organisation as an equal partner.' },
  },
});

/** Only ACCEPTED relations give reach (DESIGN.md, "Reach is granted, never claimed"). */
export enum RelationshipStatus {
  PROPOSED = 'PROPOSED',
  ACCEPTED = 'ACCEPTED',
  DECLINED = 'DECLINED',
}

registerEnumType(RelationshipStatus, {
  name: 'RelationshipStatus',
  description: 'Whether both ends agreed to a relation.',
  valuesConfig: {
    PROPOSED: { description: "Recorded by one end's ADMIN and awaiting the other end's answer; gives nothing yet." },
    ACCEPTED: { description: 'Agreed by both ends (or recorded by a platform admin); in force between its dates.' },
    DECLINED: { description: 'Declined by the other end, or withdrawn by the proposer. Final.' },
  },
});

@Entity('relationship')
@ObjectType({ implements: Node, description: 'A typed, dated edge between two organisations.' })
export class Relationship implements Node {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('Relationship', this.id);
  }

  @Column('uuid')
  fromOrganizationId!: string;

  @Column('uuid')
  toOrganizationId!: string;

  @Column('text')
  @Field(() => RelationshipType, { description: 'Kind of relation, read from `from` to `to`.' })
  type!: RelationshipType;

  @Column('date')
  @Field(() => LocalDateResolver, { description: 'First day the relation holds.' })
  startsOn!: string;

  @Column('date', { nullable: true })
  @Field(() => LocalDateResolver, { nullable: true, description: 'Last day the relation held; null while it is open-ended.' })
  endsOn!: string | null;

  @Column('text', { default: RelationshipStatus.ACCEPTED })
  @Field(() => RelationshipStatus, { description: 'Whether both ends agreed; only ACCEPTED relations count anywhere.' })
  status!: RelationshipStatus;

  @Column('uuid', { nullable: true })
  proposedByOrganizationId!: string | null;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  @Field(() => Date, { nullable: true, description: 'When the other end accepted or declined; null while PROPOSED or when recorded in force at once.' })
  respondedAt!: Date | null;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'Free-text note, e.g. the agreement it rests on.' })
  note!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  @Field({ description: 'When the relation was recorded.' })
  createdAt!: Date;
}
