import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { LocalDateResolver, SafeIntResolver } from 'graphql-scalars';
import { UserError } from '../../shared/errors';
import { Patrol } from '../patrol/patrol.entity';
import { RecognitionKind, RosterCategory, RosterEntry, RosterRecognition } from './roster.entity';

@InputType({ description: 'A person joining a patrol team.' })
export class RosterEntryAddInput {
  @Field(() => ID, { description: 'The team.' })
  teamId!: string;

  @Field({ description: 'Name (1-100 characters).' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'Phone number (digits, spaces, dashes, an optional leading +; 5-20 characters). Shown only to the team\'s ADMINs and COORDINATORs, the person and platform admins.' })
  phone?: string | null;

  @Field(() => [RosterCategory], { description: 'Who the person is (1-7 categories), e.g. [PAID_GUARD, LAID_OFF_WORKER].' })
  categories!: RosterCategory[];

  @Field(() => LocalDateResolver, { description: 'The day they joined.' })
  joinedOn!: string;

  @Field(() => ID, { nullable: true, description: 'Their account, if they have one (a team member who checks in from a phone).' })
  userId?: string | null;

  @Field(() => SafeIntResolver, { nullable: true, description: 'For a paid guard: pay per hour in minor units, used when pay is drawn from hours.' })
  hourlyRateMinor?: number | null;
}

@InputType({ description: 'Change a roster entry; omitted fields are kept.' })
export class RosterEntryUpdateInput {
  @Field(() => ID, { description: 'The roster entry.' })
  rosterEntryId!: string;

  @Field(() => Int, { nullable: true, description: 'The version you read; refused with CONFLICT if the entry changed since.' })
  expectedVersion?: number | null;

  @Field(() => String, { nullable: true, description: 'New name.' })
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'New phone; an empty string removes it.' })
  phone?: string | null;

  @Field(() => [RosterCategory], { nullable: true, description: 'New categories.' })
  categories?: RosterCategory[] | null;

  @Field(() => SafeIntResolver, { nullable: true, description: 'New pay per hour in minor units.' })
  hourlyRateMinor?: number | null;
}

@InputType({ description: 'A person leaves a team; the entry stays for history (hours, pay, recognition).' })
export class RosterEntryLeaveInput {
  @Field(() => ID, { description: 'The roster entry.' })
  rosterEntryId!: string;

  @Field(() => LocalDateResolver, { description: 'The last day on the team (not before joining).' })
  leftOn!: string;

  @Field(() => Int, { nullable: true, description: 'The version you read.' })
  expectedVersion?: number | null;
}

@InputType({ description: 'Who took part in a patrol.' })
export class PatrolParticipantsRecordInput {
  @Field(() => ID, { description: 'The patrol (not cancelled).' })
  patrolId!: string;

  @Field(() => [ID], { description: "The roster entries of the patrol's team who took part (at most 100), replacing any earlier list; each must have been on the team on the patrol's day." })
  rosterEntryIds!: string[];
}

@InputType({ description: 'Recognise a person on a roster.' })
export class RosterRecognitionAwardInput {
  @Field(() => ID, { description: 'The roster entry.' })
  rosterEntryId!: string;

  @Field(() => RecognitionKind, { description: 'Points or a commendation.' })
  kind!: RecognitionKind;

  @Field(() => Int, { defaultValue: 0, description: 'Points (0-1,000); POINTS needs at least 1.' })
  points!: number;

  @Field({ description: 'Why (1-1,000 characters), e.g. 協助民警抓獲盜竊嫌疑人.' })
  reason!: string;

  @Field(() => LocalDateResolver, { nullable: true, description: 'The day awarded; default today.' })
  awardedOn?: string | null;
}

@ObjectType({ description: 'Result of the mutations that change a roster entry.' })
export class RosterEntryPayload {
  @Field(() => RosterEntry, { nullable: true, description: 'The entry; null when refused.' })
  rosterEntry?: RosterEntry | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of `patrolParticipantsRecord`.' })
export class PatrolParticipantsPayload {
  @Field(() => Patrol, { nullable: true, description: 'The patrol with its participants; null when refused.' })
  patrol?: Patrol | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of `rosterRecognitionAward`.' })
export class RosterRecognitionPayload {
  @Field(() => RosterRecognition, { nullable: true, description: 'The recognition; null when refused.' })
  recognition?: RosterRecognition | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}
