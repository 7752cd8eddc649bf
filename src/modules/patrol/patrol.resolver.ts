import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { AppContext } from '../../shared/context';
import { Access, AccessLevel } from '../../shared/auth/policy';
import type { EventRecord } from '../../shared/events/event.entity';
import { Connection, ConnectionArgs, toConnection } from '../../shared/relay/connection';
import { filterId, idOf } from '../../shared/relay/global-id';
import { withUserErrors } from '../../shared/transaction';
import { planned } from '../../shared/read-plan/planned';
import { Area } from '../area/area.entity';
import { areasById } from '../area/area.loaders';
import { registerNodeType } from '../node/node.registry';
import { Organization } from '../organization/organization.entity';
import { organizationsById } from '../organization/organization.loaders';
import { User } from '../user/user.entity';
import { usersById } from '../user/user.loaders';
import { CheckpointVisit, PatrolCoverage, toPatrolCoverage } from './patrol.coverage';
import { Checkpoint, CheckpointKind, Patrol, PatrolEvent, PatrolStatus, PatrolTeam, PatrolTeamKind, PatrolTeamMember, Route } from './patrol.entity';
import { PatrolUpdate, toPatrolUpdate } from './patrol.events';
import { CheckpointTokenResolver } from './patrol.proof.resolver';
import { recordPatrolEvents } from './patrol.ingest';
import {
  CheckpointCreateInput,
  CheckpointPayload,
  CheckpointUpdateInput,
  PatrolCancelInput,
  PatrolCancelPayload,
  PatrolEventsRecordInput,
  PatrolEventsRecordPayload,
  PatrolPlanInput,
  PatrolPlanPayload,
  PatrolTeamCreateInput,
  PatrolTeamMemberAddInput,
  PatrolTeamMemberRemoveInput,
  PatrolTeamPayload,
  PatrolTeamUpdateInput,
  RetireInput,
  RouteCreateInput,
  RoutePayload,
  RouteUpdateInput,
} from './patrol.inputs';
import {
  checkpointIdsByRouteId,
  checkpointsById,
  patrolCoverageByPatrolId,
  patrolEventsById,
  patrolEventsByPatrolId,
  patrolTeamMembersByTeamId,
  patrolTeamsById,
  patrolsById,
  routesById,
} from './patrol.loaders';
import {
  addPatrolTeamMember,
  canSeeTeam,
  cancelPatrol,
  createCheckpoint,
  createPatrolTeam,
  createRoute,
  findCheckpoint,
  findPatrol,
  findPatrolEvent,
  findPatrolTeam,
  findPatrolTeamMember,
  findRoute,
  listCheckpoints,
  listPatrolTeams,
  listPatrols,
  listRoutes,
  planPatrols,
  removePatrolTeamMember,
  retireCheckpoint,
  retireRoute,
  updateCheckpoint,
  updatePatrolTeam,
  updateRoute,
} from './patrol.service';
import { patrolUpdateStream, RECORDED_CHECK_INS } from './patrol.subscription';
import { plannedRouteCheckpoints, readPatrolsOnDutyPlanned } from './patrol.read-plan';
import { ContractComplianceResolver } from './patrol.compliance.resolver';

const PatrolTeamConnection = Connection(PatrolTeam);
const PatrolTeamMemberConnection = Connection(PatrolTeamMember);
const CheckpointConnection = Connection(Checkpoint);
const RouteConnection = Connection(Route);
const PatrolConnection = Connection(Patrol);
const PatrolEventConnection = Connection(PatrolEvent);

registerNodeType('PatrolTeam', (ctx, id) => findPatrolTeam(ctx, id));
registerNodeType('PatrolTeamMember', (ctx, id) => findPatrolTeamMember(ctx, id));
registerNodeType('Checkpoint', (ctx, id) => findCheckpoint(ctx, id));
registerNodeType('Route', (ctx, id) => findRoute(ctx, id));
registerNodeType('Patrol', (ctx, id) => findPatrol(ctx, id));
registerNodeType('PatrolEvent', (ctx, id) => findPatrolEvent(ctx, id));

/** An id argument of the wrong type or shape matches nothing (like an unknown id), rather than everything. */

@Resolver(() => PatrolTeam)
export class PatrolTeamResolver {
  @Query(() => PatrolTeamConnection, {
    description: "Patrol teams the viewer may see (its organisation's, those in its jurisdiction, its contractors'), by name.",
  })
  @Access(AccessLevel.SIGNED_IN)
  async patrolTeams(
    @Ctx() ctx: AppContext,
    @Args() page: ConnectionArgs,
    @Arg('organizationId', () => ID, { nullable: true, description: 'Only teams of this organisation.' }) organizationId?: string,
    @Arg('withinAreaId', () => ID, { nullable: true, description: 'Only teams whose area is this area or lies below it.' }) withinAreaId?: string,
    @Arg('kind', () => PatrolTeamKind, { nullable: true, description: 'Only teams of this kind.' }) kind?: PatrolTeamKind,
  ) {
    return toConnection(
      await listPatrolTeams(ctx, { organizationId: filterId(organizationId, 'Organization'), withinAreaId: filterId(withinAreaId, 'Area'), kind }, page),
    );
  }

  @Query(() => PatrolTeam, { nullable: true, description: 'One patrol team; null when unknown or not visible to you.' })
  @Access(AccessLevel.SIGNED_IN)
  patrolTeam(@Ctx() ctx: AppContext, @Arg('id', () => ID, { description: 'Global id.' }) id: string) {
    return findPatrolTeam(ctx, idOf(id, 'PatrolTeam'));
  }

  @Mutation(() => PatrolTeamPayload, { description: "Registers a patrol team. ADMINs and COORDINATORs of the owning organisation." })
  @Access(AccessLevel.WRITE)
  patrolTeamCreate(@Ctx() ctx: AppContext, @Arg('input', { description: 'The new team.' }) input: PatrolTeamCreateInput) {
    return withUserErrors<PatrolTeamPayload>(() => createPatrolTeam(ctx, input));
  }

  @Mutation(() => PatrolTeamPayload, { description: "Renames a team or moves it to another area or contract. ADMINs and COORDINATORs of its organisation." })
  @Access(AccessLevel.WRITE)
  patrolTeamUpdate(@Ctx() ctx: AppContext, @Arg('input', { description: 'What to change.' }) input: PatrolTeamUpdateInput) {
    return withUserErrors<PatrolTeamPayload>(() => updatePatrolTeam(ctx, input));
  }

  @Mutation(() => PatrolTeamPayload, { description: "Adds a member of the team's organisation to the team. ADMINs and COORDINATORs of its organisation." })
  @Access(AccessLevel.WRITE)
  patrolTeamMemberAdd(@Ctx() ctx: AppContext, @Arg('input', { description: 'Who joins, with which role.' }) input: PatrolTeamMemberAddInput) {
    return withUserErrors<PatrolTeamPayload>(() => addPatrolTeamMember(ctx, input));
  }

  @Mutation(() => PatrolTeamPayload, { description: "Takes a person off the team. ADMINs and COORDINATORs of its organisation." })
  @Access(AccessLevel.WRITE)
  patrolTeamMemberRemove(@Ctx() ctx: AppContext, @Arg('input', { description: 'Who leaves.' }) input: PatrolTeamMemberRemoveInput) {
    return withUserErrors<PatrolTeamPayload>(() => removePatrolTeamMember(ctx, input));
  }

  @FieldResolver(() => Organization, { description: 'The organisation that runs the team.' })
  organization(@Root() team: PatrolTeam, @Ctx() ctx: AppContext) {
    return planned<Organization>(ctx, 'Organization', team.organizationId) ?? organizationsById(ctx).load(team.organizationId);
  }

  @FieldResolver(() => Area, { description: 'The area the team patrols.' })
  area(@Root() team: PatrolTeam, @Ctx() ctx: AppContext) {
    return areasById(ctx).load(team.areaId);
  }

  @FieldResolver(() => PatrolTeamMemberConnection, {
    nullable: true,
    description: 'Members, oldest first; null when you see the team only through one of its patrols (e.g. a police station seeing a district-wide team patrol in its jurisdiction).',
  })
  async members(@Root() team: PatrolTeam, @Ctx() ctx: AppContext, @Args() page: ConnectionArgs) {
    if (!(await canSeeTeam(ctx, team))) return null;
    return toConnection(await patrolTeamMembersByTeamId(ctx, team.id, page));
  }
}

@Resolver(() => PatrolTeamMember)
export class PatrolTeamMemberResolver {
  @FieldResolver(() => User, { description: 'The person.' })
  user(@Root() member: PatrolTeamMember, @Ctx() ctx: AppContext) {
    return usersById(ctx).load(member.userId);
  }

  @FieldResolver(() => PatrolTeam, { description: 'The team.' })
  team(@Root() member: PatrolTeamMember, @Ctx() ctx: AppContext) {
    return patrolTeamsById(ctx).load(member.teamId);
  }
}

@Resolver(() => Checkpoint)
export class CheckpointResolver {
  @Query(() => CheckpointConnection, { description: 'Checkpoints the viewer may see, by name; retired ones only when asked.' })
  @Access(AccessLevel.SIGNED_IN)
  async checkpoints(
    @Ctx() ctx: AppContext,
    @Args() page: ConnectionArgs,
    @Arg('organizationId', () => ID, { nullable: true, description: 'Only checkpoints this organisation maintains.' }) organizationId?: string,
    @Arg('withinAreaId', () => ID, { nullable: true, description: 'Only checkpoints in this area or below it.' }) withinAreaId?: string,
    @Arg('kinds', () => [CheckpointKind], { nullable: true, description: 'Only checkpoints of these kinds.' }) kinds?: CheckpointKind[],
    @Arg('includeRetired', () => Boolean, { defaultValue: false, description: 'Also list retired checkpoints.' }) includeRetired?: boolean,
  ) {
    return toConnection(
      await listCheckpoints(ctx, { organizationId: filterId(organizationId, 'Organization'), withinAreaId: filterId(withinAreaId, 'Area'), kinds, includeRetired }, page),
    );
  }

  @Query(() => Checkpoint, { nullable: true, description: 'One checkpoint; null when unknown or not visible to you.' })
  @Access(AccessLevel.SIGNED_IN)
  checkpoint(@Ctx() ctx: AppContext, @Arg('id', () => ID, { description: 'Global id.' }) id: string) {
    return findCheckpoint(ctx, idOf(id, 'Checkpoint'));
  }

  @Mutation(() => CheckpointPayload, { description: 'Records a checkpoint. ADMINs and COORDINATORs of the maintaining organisation.' })
  @Access(AccessLevel.WRITE)
  checkpointCreate(@Ctx() ctx: AppContext, @Arg('input', { description: 'The new checkpoint.' }) input: CheckpointCreateInput) {
    return withUserErrors<CheckpointPayload>(() => createCheckpoint(ctx, input));
  }

  @Mutation(() => CheckpointPayload, { description: 'Changes a checkpoint. ADMINs and COORDINATORs of the maintaining organisation.' })
  @Access(AccessLevel.WRITE)
  checkpointUpdate(@Ctx() ctx: AppContext, @Arg('input', { description: 'What to change.' }) input: CheckpointUpdateInput) {
    return withUserErrors<CheckpointPayload>(() => updateCheckpoint(ctx, input));
  }

  @Mutation(() => CheckpointPayload, { description: 'Retires a checkpoint: kept for history, no longer planned. ADMINs and COORDINATORs of the maintaining organisation.' })
  @Access(AccessLevel.WRITE)
  checkpointRetire(@Ctx() ctx: AppContext, @Arg('input', { description: 'The checkpoint.' }) input: RetireInput) {
    return withUserErrors<CheckpointPayload>(() => retireCheckpoint(ctx, input));
  }

  @FieldResolver(() => Area, { description: 'The area the checkpoint lies in.' })
  area(@Root() checkpoint: Checkpoint, @Ctx() ctx: AppContext) {
    return areasById(ctx).load(checkpoint.areaId);
  }

  @FieldResolver(() => Organization, { description: 'The organisation that maintains the checkpoint.' })
  organization(@Root() checkpoint: Checkpoint, @Ctx() ctx: AppContext) {
    return organizationsById(ctx).load(checkpoint.organizationId);
  }
}

@Resolver(() => Route)
export class RouteResolver {
  @Query(() => RouteConnection, { description: 'Routes the viewer may see, by name; retired ones only when asked.' })
  @Access(AccessLevel.SIGNED_IN)
  async routes(
    @Ctx() ctx: AppContext,
    @Args() page: ConnectionArgs,
    @Arg('organizationId', () => ID, { nullable: true, description: 'Only routes this organisation maintains.' }) organizationId?: string,
    @Arg('withinAreaId', () => ID, { nullable: true, description: 'Only routes in this area or below it.' }) withinAreaId?: string,
    @Arg('includeRetired', () => Boolean, { defaultValue: false, description: 'Also list retired routes.' }) includeRetired?: boolean,
  ) {
    return toConnection(await listRoutes(ctx, { organizationId: filterId(organizationId, 'Organization'), withinAreaId: filterId(withinAreaId, 'Area'), includeRetired }, page));
  }

  @Query(() => Route, { nullable: true, description: 'One route; null when unknown or not visible to you.' })
  @Access(AccessLevel.SIGNED_IN)
  route(@Ctx() ctx: AppContext, @Arg('id', () => ID, { description: 'Global id.' }) id: string) {
    return findRoute(ctx, idOf(id, 'Route'));
  }

  @Mutation(() => RoutePayload, { description: 'Records a route through checkpoints. ADMINs and COORDINATORs of the maintaining organisation.' })
  @Access(AccessLevel.WRITE)
  routeCreate(@Ctx() ctx: AppContext, @Arg('input', { description: 'The new route.' }) input: RouteCreateInput) {
    return withUserErrors<RoutePayload>(() => createRoute(ctx, input));
  }

  @Mutation(() => RoutePayload, { description: 'Renames a route or replaces its checkpoints; patrols already planned keep theirs. ADMINs and COORDINATORs of the maintaining organisation.' })
  @Access(AccessLevel.WRITE)
  routeUpdate(@Ctx() ctx: AppContext, @Arg('input', { description: 'What to change.' }) input: RouteUpdateInput) {
    return withUserErrors<RoutePayload>(() => updateRoute(ctx, input));
  }

  @Mutation(() => RoutePayload, { description: 'Retires a route: kept for history, no longer planned. ADMINs and COORDINATORs of the maintaining organisation.' })
  @Access(AccessLevel.WRITE)
  routeRetire(@Ctx() ctx: AppContext, @Arg('input', { description: 'The route.' }) input: RetireInput) {
    return withUserErrors<RoutePayload>(() => retireRoute(ctx, input));
  }

  @FieldResolver(() => Area, { description: 'The area the route covers.' })
  area(@Root() route: Route, @Ctx() ctx: AppContext) {
    return areasById(ctx).load(route.areaId);
  }

  @FieldResolver(() => Organization, { description: 'The organisation that maintains the route.' })
  organization(@Root() route: Route, @Ctx() ctx: AppContext) {
    return organizationsById(ctx).load(route.organizationId);
  }

  @FieldResolver(() => [Checkpoint], { description: 'The checkpoints in walking order (at most 200).' })
  checkpoints(@Root() route: Route, @Ctx() ctx: AppContext) {
    const kept = plannedRouteCheckpoints(ctx, route.id);
    if (kept) return kept;
    return checkpointIdsByRouteId(ctx)
      .load(route.id)
      .then(async (ids) => (await checkpointsById(ctx).loadMany(ids)).filter((c): c is Checkpoint => c instanceof Checkpoint));
  }
}

@Resolver(() => Patrol)
export class PatrolResolver {
  @Query(() => PatrolConnection, { description: 'Patrols the viewer may see, by planned start.' })
  @Access(AccessLevel.SIGNED_IN)
  async patrols(
    @Ctx() ctx: AppContext,
    @Args() page: ConnectionArgs,
    @Arg('teamId', () => ID, { nullable: true, description: 'Only patrols of this team.' }) teamId?: string,
    @Arg('withinAreaId', () => ID, { nullable: true, description: 'Only patrols in this area or below it.' }) withinAreaId?: string,
    @Arg('statuses', () => [PatrolStatus], { nullable: true, description: 'Only patrols in these states.' }) statuses?: PatrolStatus[],
    @Arg('from', () => Date, { nullable: true, description: 'Only patrols whose planned shift ends after this time.' }) from?: Date,
    @Arg('to', () => Date, { nullable: true, description: 'Only patrols whose planned shift starts before this time.' }) to?: Date,
    @Arg('updatedSince', () => Date, { nullable: true, description: 'Only patrols changed at or after this time, for partners catching up by polling.' }) updatedSince?: Date,
  ) {
    return toConnection(
      await listPatrols(ctx, { teamId: filterId(teamId, 'PatrolTeam'), withinAreaId: filterId(withinAreaId, 'Area'), statuses, from, to, updatedSince }, page),
    );
  }

  @Query(() => PatrolConnection, { description: 'Patrols under way (ACTIVE) in an area and below it, that the viewer may see.' })
  @Access(AccessLevel.SIGNED_IN)
  async patrolsOnDuty(
    @Ctx() ctx: AppContext,
    @Args() page: ConnectionArgs,
    @Arg('areaId', () => ID, { description: 'The area.' }) areaId: string,
    @Info() info?: GraphQLResolveInfo,
  ) {
    const withinAreaId = filterId(areaId, 'Area');
    const read = info ? await readPatrolsOnDutyPlanned(ctx, withinAreaId, page, info) : null;
    return toConnection(read ?? (await listPatrols(ctx, { withinAreaId, statuses: [PatrolStatus.ACTIVE] }, page)));
  }

  @Query(() => Patrol, { nullable: true, description: 'One patrol; null when unknown or not visible to you.' })
  @Access(AccessLevel.SIGNED_IN)
  patrol(@Ctx() ctx: AppContext, @Arg('id', () => ID, { description: 'Global id.' }) id: string) {
    return findPatrol(ctx, idOf(id, 'Patrol'));
  }

  @Mutation(() => PatrolPlanPayload, { description: "Plans a patrol, or a recurring series (e.g. daily 08:00-12:00 for a month). ADMINs and COORDINATORs of the team's organisation." })
  @Access(AccessLevel.WRITE)
  patrolPlan(@Ctx() ctx: AppContext, @Arg('input', { description: 'The plan.' }) input: PatrolPlanInput) {
    return withUserErrors<PatrolPlanPayload>(() => planPatrols(ctx, input));
  }

  @Mutation(() => PatrolCancelPayload, { description: "Calls off a PLANNED patrol (and optionally the later ones of its series). ADMINs and COORDINATORs of the team's organisation." })
  @Access(AccessLevel.WRITE)
  async patrolCancel(@Ctx() ctx: AppContext, @Arg('input', { description: 'The patrol.' }) input: PatrolCancelInput) {
    // A refused input carries only userErrors; the count is then 0.
    const payload: Partial<PatrolCancelPayload> = await withUserErrors<PatrolCancelPayload>(() => cancelPatrol(ctx, input));
    return { cancelledCount: 0, ...payload };
  }

  @Mutation(() => PatrolEventsRecordPayload, {
    description:
      "Records a batch of check-ins (up to 500) from one device: idempotent per (device, client event id), each event accepted, duplicate or rejected on its own. The team's members, its organisation's ADMINs and COORDINATORs, and its organisation's API clients.",
  })
  @Access(AccessLevel.WRITE)
  async patrolEventsRecord(@Ctx() ctx: AppContext, @Arg('input', { description: 'The batch.' }) input: PatrolEventsRecordInput) {
    // A refused batch carries only userErrors; the counts are then 0.
    const payload: Partial<PatrolEventsRecordPayload> = await withUserErrors<PatrolEventsRecordPayload>(() => recordPatrolEvents(ctx, input));
    return { acceptedCount: 0, duplicateCount: 0, rejectedCount: 0, ...payload };
  }

  @FieldResolver(() => PatrolTeam, { description: 'The team that patrols.' })
  team(@Root() patrol: Patrol, @Ctx() ctx: AppContext) {
    return planned<PatrolTeam>(ctx, 'PatrolTeam', patrol.teamId) ?? patrolTeamsById(ctx).load(patrol.teamId);
  }

  @FieldResolver(() => Area, { description: 'The area patrolled.' })
  area(@Root() patrol: Patrol, @Ctx() ctx: AppContext) {
    return planned<Area>(ctx, 'Area', patrol.areaId) ?? areasById(ctx).load(patrol.areaId);
  }

  @FieldResolver(() => Route, { nullable: true, description: 'The route walked; null for an area patrol.' })
  route(@Root() patrol: Patrol, @Ctx() ctx: AppContext) {
    return patrol.routeId ? (planned<Route>(ctx, 'Route', patrol.routeId) ?? routesById(ctx).load(patrol.routeId)) : null;
  }

  @FieldResolver(() => User, { nullable: true, description: 'The leader of the shift.' })
  leader(@Root() patrol: Patrol, @Ctx() ctx: AppContext) {
    return patrol.leaderUserId ? usersById(ctx).load(patrol.leaderUserId) : null;
  }

  @FieldResolver(() => PatrolEventConnection, { description: 'Check-ins in device-time order, wherever they arrived late or out of order.' })
  async events(@Root() patrol: Patrol, @Ctx() ctx: AppContext, @Args() page: ConnectionArgs) {
    return toConnection(await patrolEventsByPatrolId(ctx, patrol.id, page));
  }

  @FieldResolver(() => PatrolCoverage, { description: 'Checkpoints visited against planned, and time on route, from device times.' })
  async coverage(@Root() patrol: Patrol, @Ctx() ctx: AppContext) {
    return toPatrolCoverage(await patrolCoverageByPatrolId(ctx).load(patrol.id));
  }
}

@Resolver(() => PatrolEvent)
export class PatrolEventResolver {
  @FieldResolver(() => Patrol, { description: 'The patrol reported on.' })
  patrol(@Root() event: PatrolEvent, @Ctx() ctx: AppContext) {
    return patrolsById(ctx).load(event.patrolId);
  }

  @FieldResolver(() => Checkpoint, { nullable: true, description: 'CHECKPOINT: the checkpoint visited.' })
  checkpoint(@Root() event: PatrolEvent, @Ctx() ctx: AppContext) {
    return event.checkpointId ? checkpointsById(ctx).load(event.checkpointId) : null;
  }

  @FieldResolver(() => User, { nullable: true, description: 'The person who sent it; null when an API client did.' })
  recordedBy(@Root() event: PatrolEvent, @Ctx() ctx: AppContext) {
    return event.recordedByUserId ? usersById(ctx).load(event.recordedByUserId) : null;
  }
}

@Resolver(() => PatrolCoverage)
export class PatrolCoverageResolver {
  @FieldResolver(() => [Checkpoint], { description: 'The planned checkpoints, in route order.' })
  async plannedCheckpoints(@Root() coverage: PatrolCoverage, @Ctx() ctx: AppContext) {
    return (await checkpointsById(ctx).loadMany(coverage.facts.plannedCheckpointIds)).filter((c): c is Checkpoint => c instanceof Checkpoint);
  }

  @FieldResolver(() => [Checkpoint], { description: 'Planned checkpoints without a valid check-in, in route order.' })
  async missedCheckpoints(@Root() coverage: PatrolCoverage, @Ctx() ctx: AppContext) {
    return (await checkpointsById(ctx).loadMany(coverage.facts.missedCheckpointIds)).filter((c): c is Checkpoint => c instanceof Checkpoint);
  }

  @FieldResolver(() => [CheckpointVisit], { description: 'Visited planned checkpoints, in route order.' })
  visits(@Root() coverage: PatrolCoverage) {
    return coverage.facts.visits.map((v) => Object.assign(new CheckpointVisit(), v));
  }
}

@Resolver(() => CheckpointVisit)
export class CheckpointVisitResolver {
  @FieldResolver(() => Checkpoint, { description: 'The checkpoint.' })
  checkpoint(@Root() visit: CheckpointVisit, @Ctx() ctx: AppContext) {
    return checkpointsById(ctx).load(visit.checkpointId);
  }
}

/**
 * The check-ins an update names. Kept for its deliveries (keepRecordedCheckIns), they are answered at once: each
 * subscriber's copy of a batch otherwise waited on a promise per check-in.
 */
function checkInsNamed(ctx: AppContext, ids: unknown): PatrolEvent[] | Promise<PatrolEvent[]> {
  if (!Array.isArray(ids)) return [];
  const kept = (ids as string[]).map((id) => planned<PatrolEvent>(ctx, PatrolEvent.name, id));
  if (kept.every((row) => row !== undefined)) return kept as PatrolEvent[];
  return patrolEventsById(ctx)
    .loadMany(ids as string[])
    .then((rows) => rows.filter((e): e is PatrolEvent => e instanceof PatrolEvent));
}

@Resolver(() => PatrolUpdate)
export class PatrolUpdateResolver {
  @Subscription(() => PatrolUpdate, {
    description:
      'Live patrols of an area subtree or of one team: plans, status changes, check-ins, missed checkpoints, each delivered only if you may see that patrol. Give exactly one of areaId or teamId. Replays what came after `after` first, then goes live.',
    subscribe: ({ args, context }) => patrolUpdateStream(context as AppContext, args),
  })
  @Access(AccessLevel.SIGNED_IN)
  patrolUpdates(
    @Root() event: EventRecord,
    @Arg('areaId', () => ID, { nullable: true, description: 'Watch the patrols in this area and below it; you must have a stake there (jurisdiction, own teams, or a contractor working there) or be a platform admin. A subscription whose stake is lost (membership removed) ends with FORBIDDEN.' }) _areaId?: string,
    @Arg('teamId', () => ID, { nullable: true, description: 'Watch the patrols of this team.' }) _teamId?: string,
    @Arg('after', () => String, { nullable: true, description: 'Cursor of the last update you have; omit to receive only new updates.' }) _after?: string,
  ): PatrolUpdate {
    return toPatrolUpdate(event);
  }

  @FieldResolver(() => Patrol, { nullable: true, description: 'The patrol as it is now.' })
  patrol(@Root() update: PatrolUpdate, @Ctx() ctx: AppContext) {
    return patrolsById(ctx).load(String(update.event.payload.patrolId));
  }

  @FieldResolver(() => [PatrolEvent], { description: 'patrol.eventsRecorded: the events recorded, in device-time order; empty otherwise.' })
  events(@Root() update: PatrolUpdate, @Ctx() ctx: AppContext) {
    return planned<PatrolEvent[]>(ctx, RECORDED_CHECK_INS, update.event.id) ?? checkInsNamed(ctx, update.event.payload.eventIds);
  }

  @FieldResolver(() => [PatrolEvent], { description: 'patrol.eventsRecorded: the recorded events that were flagged (see PatrolEvent.flags), so the coordinator and the contracting client see doubtful check-ins as they arrive; empty otherwise.' })
  flaggedEvents(@Root() update: PatrolUpdate, @Ctx() ctx: AppContext) {
    return checkInsNamed(ctx, update.event.payload.flaggedEventIds);
  }

  @FieldResolver(() => [Checkpoint], { description: 'patrol.checkpointsMissed: the planned checkpoints not visited; empty otherwise (also for patrol.checkpointsMissedRetracted).' })
  async missedCheckpoints(@Root() update: PatrolUpdate, @Ctx() ctx: AppContext) {
    const ids = update.event.payload.missedCheckpointIds;
    if (!Array.isArray(ids)) return [];
    return (await checkpointsById(ctx).loadMany(ids as string[])).filter((c): c is Checkpoint => c instanceof Checkpoint);
  }
}

export const patrolResolvers = [
  PatrolTeamResolver,
  PatrolTeamMemberResolver,
  CheckpointResolver,
  RouteResolver,
  PatrolResolver,
  PatrolEventResolver,
  PatrolCoverageResolver,
  CheckpointVisitResolver,
  PatrolUpdateResolver,
  ContractComplianceResolver,
  CheckpointTokenResolver,
] as const;
