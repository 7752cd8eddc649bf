import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../node/node.type';
import { toGlobalId } from '../../shared/relay/global-id';

export enum ScreeningFrequency {
  WEEKLY = 'WEEKLY',
  DAILY = 'DAILY',
}

registerEnumType(ScreeningFrequency, {
  name: 'ScreeningFrequency',
  description: 'How often a community must screen for disputes: every week (每周一排查), and every day of a special period.',
  valuesConfig: {
    WEEKLY: { description: 'The weekly round: one return per community per week (Monday to Sunday, China Standard Time).' },
    DAILY: { description: 'During a special period (重大節假日、社會敏感時期、特別防護期): one return per community per day, on top of the weekly one.' },
  },
});

@Entity('screening_special_period')
@ObjectType({
  implements: Node,
  description: 'A special period (重大節假日、社會敏感時期、特別防護期) in an area subtree during which every community in it screens daily. Declared by an organisation whose jurisdiction covers the area.',
})
export class ScreeningSpecialPeriod implements Node {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('ScreeningSpecialPeriod', this.id);
  }

  @Column('uuid')
  areaId!: string;

  @Column('text')
  @Field({ description: 'What the period is, e.g. 春節, 國慶, 全國兩會.' })
  name!: string;

  @Column('date')
  @Field(() => LocalDateResolver, { description: 'First day (China Standard Time).' })
  startsOn!: string;

  @Column('date')
  @Field(() => LocalDateResolver, { description: 'Last day, inclusive.' })
  endsOn!: string;

  @Column('uuid')
  declaredByOrganizationId!: string;

  @Column('uuid', { nullable: true })
  declaredByUserId!: string | null;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  @Field({ description: 'When it was declared.' })
  createdAt!: Date;
}

@Entity('screening_round')
@ObjectType({
  implements: Node,
  description:
    'One return of a dispute screening round (矛盾糾紛排查): who screened which community for which week (or special-period day), the disputes found (linked DISPUTE cases), or a nil return (零報告) when none. Seen by organisations whose jurisdiction covers the community and by the screening organisation.',
})
export class ScreeningRound implements Node {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('ScreeningRound', this.id);
  }

  @Column('uuid')
  areaId!: string;

  @Column('text')
  @Field(() => ScreeningFrequency, { description: 'A weekly round, or a daily one of a special period.' })
  frequency!: ScreeningFrequency;

  @Column('date')
  @Field(() => LocalDateResolver, { description: 'First day screened: the Monday of the week, or the special-period day.' })
  periodStartsOn!: string;

  @Column('date')
  @Field(() => LocalDateResolver, { description: 'Last day screened: the Sunday of the week, or the same day.' })
  periodEndsOn!: string;

  @Column('date')
  @Field(() => LocalDateResolver, { description: 'When the screening was done.' })
  screenedOn!: string;

  @Column('uuid')
  screenedByOrganizationId!: string;

  @Column('uuid', { nullable: true })
  screenedByUserId!: string | null;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'Who took part, in words (e.g. 網格員 names), besides the person who filed the return.' })
  screeners!: string | null;

  @Column('boolean')
  @Field({ description: 'A nil return (零報告): the community was screened and no dispute was found. A missing return is not a nil return.' })
  nilReturn!: boolean;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'Notes of the round.' })
  note!: string | null;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  @Field({ description: 'When the return was filed.' })
  recordedAt!: Date;
}

@Entity('screening_round_case')
export class ScreeningRoundCase {
  @PrimaryColumn('uuid')
  roundId!: string;

  @PrimaryColumn('uuid')
  caseId!: string;
}
