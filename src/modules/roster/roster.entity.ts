import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../node/node.type';
import { toGlobalId } from '../../shared/relay/global-id';
import { valueObject, WHY } from '../../shared/relay/value-object';

const bigint = { to: (v: number | null) => v, from: (v: string | null) => (v === null ? null : Number(v)) };

export enum RosterCategory {
  VOLUNTEER = 'VOLUNTEER',
  PAID_GUARD = 'PAID_GUARD',
  LAID_OFF_WORKER = 'LAID_OFF_WORKER',
  LOW_INCOME = 'LOW_INCOME',
  RETIRED = 'RETIRED',
  SECURITY_ACTIVIST = 'SECURITY_ACTIVIST',
  OTHER = 'OTHER',
}

registerEnumType(RosterCategory, {
  name: 'RosterCategory',
  description: 'Who a person on a patrol roster is; a person may be several (a paid guard who is a laid-off worker).',
  valuesConfig: {
    VOLUNTEER: { description: 'A volunteer patroller (義務巡防隊員), unpaid.' },
    PAID_GUARD: { description: 'A paid community guard (安防隊員), paid monthly from a security fund; pay can be drawn from the hours patrolled.' },
    LAID_OFF_WORKER: { description: 'A laid-off worker (下崗職工).' },
    LOW_INCOME: { description: 'A resident on minimum-living support (低保人員).' },
    RETIRED: { description: 'A retired person (退休人員).' },
    SECURITY_ACTIVIST: { description: 'A public-security activist (治安積極分子).' },
    OTHER: { description: 'Anyone else.' },
  },
});

export enum RecognitionKind {
  POINTS = 'POINTS',
  COMMENDATION = 'COMMENDATION',
}

registerEnumType(RecognitionKind, {
  name: 'RecognitionKind',
  description: 'How a person is recognised (動員性參與轉化為自覺性參與).',
  valuesConfig: {
    POINTS: { description: 'Points for work done (e.g. a month without missed shifts).' },
    COMMENDATION: { description: 'A commendation (表彰), possibly with points.' },
  },
});

@Entity('roster_entry')
@ObjectType({
  implements: Node,
  description:
    "A person on a patrol team's roster, with or without an account: name, categories, when they joined and left. The phone and pay rate are shown only to the team's ADMINs and COORDINATORs, the person (when linked to an account) and platform admins. Seen by whoever sees the team.",
})
export class RosterEntry implements Node {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('RosterEntry', this.id);
  }

  @Column('uuid')
  teamId!: string;

  @Column('text')
  @Field({ description: 'Name, e.g. 王桂芳.' })
  name!: string;

  @Column('text', { nullable: true })
  phone!: string | null;

  @Column('text', { array: true })
  @Field(() => [RosterCategory], { description: 'Who the person is (at least one).' })
  categories!: RosterCategory[];

  @Column('date')
  @Field(() => LocalDateResolver, { description: 'The day they joined the team.' })
  joinedOn!: string;

  @Column('date', { nullable: true })
  @Field(() => LocalDateResolver, { nullable: true, description: 'The day they left; null while on the team.' })
  leftOn!: string | null;

  @Column('uuid', { nullable: true })
  userId!: string | null;

  @Column('bigint', { nullable: true, transformer: bigint })
  hourlyRateMinor!: number | null;

  @Column('int', { default: 1 })
  @Field(() => Int, { description: 'Increments with every change; pass it back as expectedVersion.' })
  version!: number;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  @Field({ description: 'When the entry was made.' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  @Field({ description: 'When the entry last changed.' })
  updatedAt!: Date;
}

@Entity('patrol_participant')
export class PatrolParticipant {
  @PrimaryColumn('uuid')
  patrolId!: string;

  @PrimaryColumn('uuid')
  rosterEntryId!: string;
}

@Entity('roster_recognition')
@ObjectType({ implements: Node, description: 'Points or a commendation for a person on a roster, with the reason; seen by whoever sees the team (the team and the community).' })
export class RosterRecognition implements Node {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('RosterRecognition', this.id);
  }

  @Column('uuid')
  rosterEntryId!: string;

  @Column('text')
  @Field(() => RecognitionKind, { description: 'Points or a commendation.' })
  kind!: RecognitionKind;

  @Column('int')
  @Field(() => Int, { description: 'Points awarded (0 for a commendation without points).' })
  points!: number;

  @Column('text')
  @Field({ description: 'Why, e.g. 連續三個月無缺勤.' })
  reason!: string;

  @Column('date')
  @Field(() => LocalDateResolver, { description: 'The day it was awarded.' })
  awardedOn!: string;

  @Column('uuid')
  awardedByUserId!: string;

  @Column('uuid')
  awardedByOrganizationId!: string;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  @Field({ description: 'When it was recorded.' })
  createdAt!: Date;
}

@ObjectType({ description: valueObject("A person's patrolling in one month, from the completed patrols they took part in.", WHY.computed) })
export class RosterHours {
  @Field(() => LocalDateResolver, { description: 'The month (its first day).' })
  month!: string;

  @Field(() => Int, { description: 'Completed patrols taken part in (by planned start, China Standard Time).' })
  patrols!: number;

  @Field(() => Float, { description: 'Hours: the sum of those patrols\' durations (start to end as recorded, else as planned), to two decimals.' })
  hours!: number;

  rosterEntryId!: string;
}
