import { Arg, Args, Ctx, Field, FieldResolver, ID, Int, Mutation, ObjectType, Resolver, Root, Subscription } from 'type-graphql';
import { LocalDateResolver, SafeIntResolver } from 'graphql-scalars';
import type { AppContext } from '../../shared/context';
import { Access, AccessLevel } from '../../shared/auth/policy';
import { badUserInput, notFound } from '../../shared/errors';
import type { EventRecord } from '../../shared/events/event.entity';
import { eventStream, parseCursor } from '../../shared/events/event-stream';
import { isLocalDate } from '../../shared/clock';
import { Connection, ConnectionArgs, toConnection } from '../../shared/relay/connection';
import { idOf } from '../../shared/relay/global-id';
import { valueObject, WHY } from '../../shared/relay/value-object';
import { withUserErrors } from '../../shared/transaction';
import { registerNodeType } from '../node/node.registry';
import { Organization } from '../organization/organization.entity';
import { organizationsById } from '../organization/organization.loaders';
import { Patrol, PatrolTeam } from '../patrol/patrol.entity';
import { patrolTeamsById } from '../patrol/patrol.loaders';
import { findPatrolTeam } from '../patrol/patrol.service';
import { User } from '../user/user.entity';
import { usersById } from '../user/user.loaders';
import { FundEntry } from '../fund/fund.entity';
import { RosterEntry, RosterHours, RosterRecognition } from './roster.entity';
import {
  PatrolParticipantsPayload,
  PatrolParticipantsRecordInput,
  RosterEntryAddInput,
  RosterEntryLeaveInput,
  RosterEntryPayload,
  RosterEntryUpdateInput,
  RosterRecognitionAwardInput,
  RosterRecognitionPayload,
} from './roster.inputs';
import { allRosterEntriesByTeamId, currentRosterEntriesByTeamId, hoursByRosterEntryAndMonth, participantIdsByPatrolId, recognitionsByRosterEntryId, rosterEntriesById } from './roster.loaders';
import { canSeeRosterContact } from './roster.policy';
import { ROSTER_TOPIC, addRosterEntry, awardRecognition, findRecognition, findRosterEntry, leaveRoster, recordParticipants, updateRosterEntry } from './roster.service';

const RosterEntryConnection = Connection(RosterEntry);

registerNodeType('RosterEntry', (ctx, id) => findRosterEntry(ctx, id));
registerNodeType('RosterRecognition', (ctx, id) => findRecognition(ctx, id));

function monthArg(month: string): string {
  if (!isLocalDate(String(month))) throw badUserInput('month must be a date (YYYY-MM-DD).');
  return `${String(month).slice(0, 7)}-01`;
}

async function contactVisible(ctx: AppContext, entry: RosterEntry): Promise<boolean> {
  const team = await patrolTeamsById(ctx).load(entry.teamId);
  return team !== null && canSeeRosterContact(ctx.viewer, { teamOrganizationId: team.organizationId, linkedUserId: entry.userId });
}

@ObjectType({ description: valueObject("Something that happened to a team's roster: people added, changed or leaving, who took part in a patrol, recognition given.", WHY.event) })
export class RosterUpdate {
  @Field({ description: 'Position in the event log; pass it as `after` to resume from here.' })
  cursor!: string;

  @Field({ description: 'What happened: roster.entryAdded, roster.entryUpdated, roster.entryLeft, roster.participantsRecorded, roster.recognitionAwarded.' })
  type!: string;

  @Field({ description: 'When the change was committed.' })
  occurredAt!: Date;

  event!: EventRecord;
}

@Resolver(() => RosterEntry)
export class RosterEntryResolver {
  @Mutation(() => RosterEntryPayload, { description: "Adds a person to a patrol team's roster (no account needed). ADMINs and COORDINATORs of the team's organisation." })
  @Access(AccessLevel.WRITE)
  rosterEntryAdd(@Ctx() ctx: AppContext, @Arg('input', { description: 'The person.' }) input: RosterEntryAddInput) {
    return withUserErrors<RosterEntryPayload>(() => addRosterEntry(ctx, input));
  }

  @Mutation(() => RosterEntryPayload, { description: "Changes a roster entry's name, phone, categories or rate (expectedVersion guards against overwriting). ADMINs and COORDINATORs of the team's organisation." })
  @Access(AccessLevel.WRITE)
  rosterEntryUpdate(@Ctx() ctx: AppContext, @Arg('input', { description: 'The change.' }) input: RosterEntryUpdateInput) {
    return withUserErrors<RosterEntryPayload>(() => updateRosterEntry(ctx, input));
  }

  @Mutation(() => RosterEntryPayload, { description: "Records that a person left the team; the entry stays for its history. ADMINs and COORDINATORs of the team's organisation." })
  @Access(AccessLevel.WRITE)
  rosterEntryLeave(@Ctx() ctx: AppContext, @Arg('input', { description: 'Who and when.' }) input: RosterEntryLeaveInput) {
    return withUserErrors<RosterEntryPayload>(() => leaveRoster(ctx, input));
  }

  @Mutation(() => PatrolParticipantsPayload, {
    description:
      "Records who took part in a patrol (people on the team's roster that day), replacing the earlier list; hours per person and month follow from completed patrols. Refused with PAY_DRAWN for a person whose pay for that month was drawn from their hours. The team's members and those who run its organisation's patrols.",
  })
  @Access(AccessLevel.WRITE)
  patrolParticipantsRecord(@Ctx() ctx: AppContext, @Arg('input', { description: 'The patrol and who took part.' }) input: PatrolParticipantsRecordInput) {
    return withUserErrors<PatrolParticipantsPayload>(() => recordParticipants(ctx, input));
  }

  @Mutation(() => RosterRecognitionPayload, { description: "Gives points or a commendation to a person on a roster, with the reason; the team and the community see it. People who are ADMINs or COORDINATORs of the team's organisation, or of the community or police station over its area." })
  @Access(AccessLevel.WRITE)
  rosterRecognitionAward(@Ctx() ctx: AppContext, @Arg('input', { description: 'Who, what and why.' }) input: RosterRecognitionAwardInput) {
    return withUserErrors<RosterRecognitionPayload>(() => awardRecognition(ctx, input));
  }

  @Subscription(() => RosterUpdate, {
    description: "Changes of one team's roster: people added, changed or leaving, participants recorded, recognition given; each delivered only to those who may see the team as of that event. Replays what came after `after` first, then goes live.",
    subscribe: async ({ args, context }) => {
      const ctx = context as AppContext;
      const cursor = parseCursor(args.after);
      const team = await findPatrolTeam(ctx, idOf(args.teamId, 'PatrolTeam'));
      if (!team) throw notFound('PatrolTeam');
      const teamId = team.id;
      return eventStream(ctx, { topic: ROSTER_TOPIC, subjectId: teamId, stillAllowed: async (now) => (await findPatrolTeam(now, teamId)) !== null }, cursor);
    },
  })
  @Access(AccessLevel.SIGNED_IN)
  rosterUpdates(
    @Root() event: EventRecord,
    @Arg('teamId', () => ID, { description: 'The team to watch.' }) _teamId: string,
    @Arg('after', () => String, { nullable: true, description: 'Cursor of the last update you have; omit to receive only new updates.' }) _after?: string,
  ): RosterUpdate {
    return Object.assign(new RosterUpdate(), { cursor: event.id, type: event.type, occurredAt: event.createdAt, event });
  }

  @FieldResolver(() => String, { nullable: true, description: "Phone number; null unless you are an ADMIN or COORDINATOR of the team's organisation, the person, or a platform admin (or none is known)." })
  async phone(@Root() entry: RosterEntry, @Ctx() ctx: AppContext) {
    return entry.phone && (await contactVisible(ctx, entry)) ? entry.phone : null;
  }

  @FieldResolver(() => SafeIntResolver, { nullable: true, description: 'Pay per hour in minor units (paid guards); shown like the phone.' })
  async hourlyRateMinor(@Root() entry: RosterEntry, @Ctx() ctx: AppContext) {
    return entry.hourlyRateMinor !== null && (await contactVisible(ctx, entry)) ? entry.hourlyRateMinor : null;
  }

  @FieldResolver(() => PatrolTeam, { description: 'The team.' })
  team(@Root() entry: RosterEntry, @Ctx() ctx: AppContext) {
    return patrolTeamsById(ctx).load(entry.teamId);
  }

  @FieldResolver(() => User, { nullable: true, description: 'Their account, when they have one.' })
  user(@Root() entry: RosterEntry, @Ctx() ctx: AppContext) {
    return entry.userId ? usersById(ctx).load(entry.userId) : null;
  }

  @FieldResolver(() => RosterHours, { description: 'Completed patrols and hours in a month (from `patrolParticipantsRecord`).' })
  hours(@Root() entry: RosterEntry, @Ctx() ctx: AppContext, @Arg('month', () => LocalDateResolver, { description: 'Any day of the month.' }) month: string) {
    return hoursByRosterEntryAndMonth(ctx).load({ rosterEntryId: entry.id, month: monthArg(month) });
  }

  @FieldResolver(() => [RosterRecognition], { description: 'Points and commendations, newest first.' })
  recognitions(@Root() entry: RosterEntry, @Ctx() ctx: AppContext) {
    return recognitionsByRosterEntryId(ctx).load(entry.id);
  }

  @FieldResolver(() => Int, { description: 'Total points received.' })
  async points(@Root() entry: RosterEntry, @Ctx() ctx: AppContext) {
    return (await recognitionsByRosterEntryId(ctx).load(entry.id)).reduce((sum, r) => sum + r.points, 0);
  }
}

@Resolver(() => RosterRecognition)
export class RosterRecognitionResolver {
  @FieldResolver(() => RosterEntry, { description: 'Who was recognised.' })
  rosterEntry(@Root() recognition: RosterRecognition, @Ctx() ctx: AppContext) {
    return rosterEntriesById(ctx).load(recognition.rosterEntryId);
  }

  @FieldResolver(() => User, { description: 'Who gave it.' })
  awardedBy(@Root() recognition: RosterRecognition, @Ctx() ctx: AppContext) {
    return usersById(ctx).load(recognition.awardedByUserId);
  }

  @FieldResolver(() => Organization, { description: 'The organisation in whose name it was given.' })
  awardedByOrganization(@Root() recognition: RosterRecognition, @Ctx() ctx: AppContext) {
    return organizationsById(ctx).load(recognition.awardedByOrganizationId);
  }
}

@Resolver(() => RosterHours)
export class RosterHoursResolver {
  @FieldResolver(() => RosterEntry, { description: 'The person.' })
  rosterEntry(@Root() hours: RosterHours, @Ctx() ctx: AppContext) {
    return rosterEntriesById(ctx).load(hours.rosterEntryId);
  }
}

@Resolver(() => RosterUpdate)
export class RosterUpdateResolver {
  @FieldResolver(() => PatrolTeam, { nullable: true, description: 'The team as it is now.' })
  team(@Root() update: RosterUpdate, @Ctx() ctx: AppContext) {
    return findPatrolTeam(ctx, String(update.event.payload.teamId));
  }

  @FieldResolver(() => RosterEntry, { nullable: true, description: 'For changes of one person: the roster entry as it is now.' })
  rosterEntry(@Root() update: RosterUpdate, @Ctx() ctx: AppContext) {
    const id = update.event.payload.rosterEntryId;
    return typeof id === 'string' ? findRosterEntry(ctx, id) : null;
  }

  @FieldResolver(() => RosterRecognition, { nullable: true, description: 'For roster.recognitionAwarded: the recognition.' })
  recognition(@Root() update: RosterUpdate, @Ctx() ctx: AppContext) {
    const id = update.event.payload.rosterRecognitionId;
    return typeof id === 'string' ? findRecognition(ctx, id) : null;
  }
}

@Resolver(() => PatrolTeam)
export class PatrolTeamRosterResolver {
  @FieldResolver(() => RosterEntryConnection, { description: 'The people on the team, by name.' })
  async roster(
    @Root() team: PatrolTeam,
    @Ctx() ctx: AppContext,
    @Args() page: ConnectionArgs,
    @Arg('includeLeft', { defaultValue: false, description: 'Include those who left.' }) includeLeft: boolean,
  ) {
    return toConnection(await (includeLeft ? allRosterEntriesByTeamId : currentRosterEntriesByTeamId)(ctx, team.id, page));
  }

  @FieldResolver(() => [RosterHours], { description: 'Hours of everyone on the roster in a month (those who left included when they patrolled), by name; at most 500 people.' })
  async rosterHours(@Root() team: PatrolTeam, @Ctx() ctx: AppContext, @Arg('month', () => LocalDateResolver, { description: 'Any day of the month.' }) month: string) {
    const first = monthArg(month);
    const people = await allRosterEntriesByTeamId(ctx, team.id, { first: 100 });
    const all = [...people.items];
    let page = people;
    while (page.hasNextPage && all.length < 500) {
      page = await allRosterEntriesByTeamId(ctx, team.id, { first: 100, after: page.cursors[page.cursors.length - 1] });
      all.push(...page.items);
    }
    const hours = await hoursByRosterEntryAndMonth(ctx).loadMany(all.map((p) => ({ rosterEntryId: p.id, month: first })));
    return hours.filter((h): h is RosterHours => h instanceof RosterHours && (h.patrols > 0 || all.find((p) => p.id === h.rosterEntryId)?.leftOn === null));
  }
}

@Resolver(() => Patrol)
export class PatrolParticipantsResolver {
  @FieldResolver(() => [RosterEntry], { description: 'Who took part (from the roster), by name.' })
  async participants(@Root() patrol: Patrol, @Ctx() ctx: AppContext) {
    const rows = await rosterEntriesById(ctx).loadMany(await participantIdsByPatrolId(ctx).load(patrol.id));
    return rows.filter((r): r is RosterEntry => r instanceof RosterEntry);
  }
}

@Resolver(() => FundEntry)
export class FundEntryPayeeResolver {
  @FieldResolver(() => RosterEntry, { nullable: true, description: 'For guard pay: the person paid; null when none is named or you may not see their team.' })
  payee(@Root() entry: FundEntry, @Ctx() ctx: AppContext) {
    return findRosterEntry(ctx, entry.rosterEntryId);
  }
}

export const rosterResolvers = [RosterEntryResolver, RosterRecognitionResolver, RosterHoursResolver, RosterUpdateResolver, PatrolTeamRosterResolver, PatrolParticipantsResolver, FundEntryPayeeResolver] as const;
