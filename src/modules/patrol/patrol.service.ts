import { subtreePattern } from '../area/area.service';
import { randomUUID } from 'node:crypto';
import { In, type SelectQueryBuilder, type ObjectLiteral } from 'typeorm';
import type { AppContext } from '../../shared/context';
import { UserErrorCode, forbidden } from '../../shared/errors';
import { clock, isLocalDate, today } from '../../shared/clock';
import { paginate, type ConnectionArgs } from '../../shared/relay/connection';
import { type Tx, fail, failIfAny, inTransaction, updateVersioned } from '../../shared/transaction';
import { InputCheck } from '../../shared/validation';
import { Area } from '../area/area.entity';
import { areasById } from '../area/area.loaders';
import { Membership } from '../membership/membership.entity';
import { Organization } from '../organization/organization.entity';
import { User } from '../user/user.entity';
import {
  Checkpoint,
  CheckpointKind,
  Patrol,
  PatrolEvent,
  PatrolPlannedCheckpoint,
  PatrolStatus,
  PatrolTeam,
  PatrolTeamKind,
  PatrolTeamMember,
  PatrolTeamRole,
  Route,
  RouteCheckpoint,
} from './patrol.entity';
import { PATROL_TOPIC, audienceAt, emitPatrol } from './patrol.events';
import {
  PatrolRepeatFrequency,
  type CheckpointCreateInput,
  type CheckpointUpdateInput,
  type PatrolCancelInput,
  type PatrolPlanInput,
  type PatrolTeamCreateInput,
  type PatrolTeamMemberAddInput,
  type PatrolTeamMemberRemoveInput,
  type PatrolTeamUpdateInput,
  type RetireInput,
  type RouteCreateInput,
  type RouteUpdateInput,
} from './patrol.inputs';
import {
  audienceOrganizationIdsByScope,
  checkpointsById,
  patrolEventsById,
  patrolTeamMembersById,
  patrolTeamsById,
  patrolsById,
  routesById,
} from './patrol.loaders';
import { canManagePatrols, canSeePatrolRecord, canSeePatrolRecordsSql, canWatchPatrolArea } from './patrol.policy';

const MAX_ROUTE_CHECKPOINTS = 200;
const MAX_REPEATS = 92;
const MAX_PATROL_HOURS = 24;

// ---------------------------------------------------------------- visibility

/** Who may see a record of `ownerId` in `areaId` (see patrol.policy.ts); members of the owner skip the SQL. */
async function visibleInArea(ctx: AppContext, ownerId: string, contracted: boolean, areaId: string): Promise<boolean> {
  if (ctx.viewer.isPlatformAdmin || ctx.viewer.isMemberOf(ownerId)) return true;
  if (!ctx.viewer.signedIn || ctx.viewer.organizationIds.length === 0) return false;
  const area = await areasById(ctx).load(areaId);
  if (!area) return false;
  return canSeePatrolRecord(ctx.viewer, await audienceOrganizationIdsByScope(ctx).load({ ownerId, contracted, areaPath: area.path }));
}

export async function canSeeTeam(ctx: AppContext, team: PatrolTeam): Promise<boolean> {
  return visibleInArea(ctx, team.organizationId, team.kind === PatrolTeamKind.CONTRACTED, team.areaId);
}

export async function canSeePatrol(ctx: AppContext, patrol: Patrol): Promise<boolean> {
  const team = await patrolTeamsById(ctx).load(patrol.teamId);
  return team !== null && visibleInArea(ctx, team.organizationId, team.kind === PatrolTeamKind.CONTRACTED, patrol.areaId);
}

export async function canSeeCheckpoint(ctx: AppContext, checkpoint: Checkpoint): Promise<boolean> {
  return visibleInArea(ctx, checkpoint.organizationId, true, checkpoint.areaId);
}

export async function canSeeRoute(ctx: AppContext, route: Route): Promise<boolean> {
  return visibleInArea(ctx, route.organizationId, true, route.areaId);
}

async function visibleOrNull<T>(record: T | null, check: (r: T) => Promise<boolean>): Promise<T | null> {
  return record && (await check(record)) ? record : null;
}

export async function findPatrolTeam(ctx: AppContext, id: string | null): Promise<PatrolTeam | null> {
  return id ? visibleOrNull(await patrolTeamsById(ctx).load(id), (t) => canSeeTeam(ctx, t)) : null;
}

export async function findPatrolTeamMember(ctx: AppContext, id: string): Promise<PatrolTeamMember | null> {
  const member = await patrolTeamMembersById(ctx).load(id);
  return member && (await findPatrolTeam(ctx, member.teamId)) ? member : null;
}

export async function findPatrol(ctx: AppContext, id: string | null): Promise<Patrol | null> {
  return id ? visibleOrNull(await patrolsById(ctx).load(id), (p) => canSeePatrol(ctx, p)) : null;
}

export async function findCheckpoint(ctx: AppContext, id: string | null): Promise<Checkpoint | null> {
  return id ? visibleOrNull(await checkpointsById(ctx).load(id), (c) => canSeeCheckpoint(ctx, c)) : null;
}

export async function findRoute(ctx: AppContext, id: string | null): Promise<Route | null> {
  return id ? visibleOrNull(await routesById(ctx).load(id), (r) => canSeeRoute(ctx, r)) : null;
}

export async function findPatrolEvent(ctx: AppContext, id: string | null): Promise<PatrolEvent | null> {
  if (!id) return null;
  const event = await patrolEventsById(ctx).load(id);
  return event && (await findPatrol(ctx, event.patrolId)) ? event : null;
}

/** SQL condition: the viewer is in the audience of a record (owner, contracted flag and area path given as SQL). */
function whereVisible<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>, ctx: AppContext, owner: string, contracted: string, path: string): void {
  const params: Record<string, unknown> = {};
  const bind = (value: unknown) => {
    const name = `visible${Object.keys(params).length}`;
    params[name] = value;
    return `:${name}`;
  };
  const rule = canSeePatrolRecordsSql(ctx.viewer, owner, contracted, path, bind);
  if (rule !== 'TRUE') qb.andWhere(rule, params);
}

async function whereWithin<T extends ObjectLiteral>(ctx: AppContext, qb: SelectQueryBuilder<T>, pathSql: string, areaId: string | null | undefined, param: string): Promise<void> {
  if (!areaId) return;
  qb.andWhere(`${pathSql} LIKE :${param}`, { [param]: await subtreePattern(ctx, areaId) });
}

// ---------------------------------------------------------------- lists

export interface PatrolTeamFilter {
  organizationId?: string | null;
  withinAreaId?: string | null;
  kind?: PatrolTeamKind | null;
}

export async function listPatrolTeams(ctx: AppContext, filter: PatrolTeamFilter, args: ConnectionArgs) {
  const qb = ctx.app.db.getRepository(PatrolTeam).createQueryBuilder('t').innerJoin(Area, 'a', 'a.id = t.area_id');
  if (filter.organizationId) qb.andWhere('t.organization_id = :org', { org: filter.organizationId });
  if (filter.kind) qb.andWhere('t.kind = :kind', { kind: filter.kind });
  await whereWithin(ctx, qb, 'a.path', filter.withinAreaId, 'within');
  whereVisible(qb, ctx, 't.organization_id', `t.kind = 'CONTRACTED'`, 'a.path');
  return paginate(qb, args, [
    { sql: 't.name', value: (t) => t.name },
    { sql: 't.id', value: (t) => t.id },
  ]);
}

export interface PatrolFilter {
  teamId?: string | null;
  withinAreaId?: string | null;
  statuses?: PatrolStatus[] | null;
  from?: Date | null;
  to?: Date | null;
  updatedSince?: Date | null;
}

/** Patrols by planned start; a time range keeps the patrols whose planned shift overlaps it. */
export async function listPatrols(ctx: AppContext, filter: PatrolFilter, args: ConnectionArgs) {
  const qb = ctx.app.db
    .getRepository(Patrol)
    .createQueryBuilder('p')
    .innerJoin(PatrolTeam, 't', 't.id = p.team_id')
    .innerJoin(Area, 'a', 'a.id = p.area_id');
  if (filter.teamId) qb.andWhere('p.team_id = :teamId', { teamId: filter.teamId });
  if (filter.statuses?.length) qb.andWhere('p.status IN (:...statuses)', { statuses: filter.statuses });
  if (filter.from) qb.andWhere('p.planned_end > :from', { from: filter.from });
  if (filter.to) qb.andWhere('p.planned_start < :to', { to: filter.to });
  if (filter.updatedSince) qb.andWhere('p.updated_at >= :updatedSince', { updatedSince: filter.updatedSince });
  await whereWithin(ctx, qb, 'a.path', filter.withinAreaId, 'within');
  whereVisible(qb, ctx, 't.organization_id', `t.kind = 'CONTRACTED'`, 'a.path');
  return paginate(qb, args, [
    { sql: 'p.planned_start', value: (p) => p.plannedStart.toISOString() },
    { sql: 'p.id', value: (p) => p.id },
  ]);
}

export interface PlaceFilter {
  organizationId?: string | null;
  withinAreaId?: string | null;
  includeRetired?: boolean;
}

export async function listCheckpoints(ctx: AppContext, filter: PlaceFilter & { kinds?: CheckpointKind[] | null }, args: ConnectionArgs) {
  const qb = ctx.app.db.getRepository(Checkpoint).createQueryBuilder('c').innerJoin(Area, 'a', 'a.id = c.area_id');
  if (filter.organizationId) qb.andWhere('c.organization_id = :org', { org: filter.organizationId });
  if (filter.kinds?.length) qb.andWhere('c.kind IN (:...kinds)', { kinds: filter.kinds });
  if (!filter.includeRetired) qb.andWhere('c.retired_at IS NULL');
  await whereWithin(ctx, qb, 'a.path', filter.withinAreaId, 'within');
  whereVisible(qb, ctx, 'c.organization_id', 'TRUE', 'a.path');
  return paginate(qb, args, [
    { sql: 'c.name', value: (c) => c.name },
    { sql: 'c.id', value: (c) => c.id },
  ]);
}

export async function listRoutes(ctx: AppContext, filter: PlaceFilter, args: ConnectionArgs) {
  const qb = ctx.app.db.getRepository(Route).createQueryBuilder('r').innerJoin(Area, 'a', 'a.id = r.area_id');
  if (filter.organizationId) qb.andWhere('r.organization_id = :org', { org: filter.organizationId });
  if (!filter.includeRetired) qb.andWhere('r.retired_at IS NULL');
  await whereWithin(ctx, qb, 'a.path', filter.withinAreaId, 'within');
  whereVisible(qb, ctx, 'r.organization_id', 'TRUE', 'a.path');
  return paginate(qb, args, [
    { sql: 'r.name', value: (r) => r.name },
    { sql: 'r.id', value: (r) => r.id },
  ]);
}

// ---------------------------------------------------------------- live view

/**
 * Whether the viewer's organisations may see patrols somewhere in the area's
 * subtree: a jurisdiction overlapping it, a team of theirs overlapping it, or
 * a contract with an organisation that runs contracted teams while their own
 * zone (home area or jurisdiction) overlaps it.
 */
export async function viewerHasStakeInArea(ctx: AppContext, areaPath: string): Promise<boolean> {
  const orgs = ctx.viewer.organizationIds;
  // Without organisations there is no stake to look up; the policy still lets platform admins watch.
  if (orgs.length === 0) return canWatchPatrolArea(ctx.viewer, false);
  const [{ stake }] = await ctx.app.db.query(
    `SELECT (
       EXISTS (SELECT 1 FROM organization_jurisdiction j JOIN area ja ON ja.id = j.area_id
                WHERE j.organization_id = ANY($1::uuid[]) AND (ja.path LIKE $2 || '%' OR $2 LIKE ja.path || '%'))
       OR EXISTS (SELECT 1 FROM patrol_team t JOIN area ta ON ta.id = t.area_id
                   WHERE t.organization_id = ANY($1::uuid[]) AND (ta.path LIKE $2 || '%' OR $2 LIKE ta.path || '%'))
       OR EXISTS (SELECT 1 FROM relationship r
                    JOIN organization c ON c.id = ANY($1::uuid[]) AND c.id IN (r.from_organization_id, r.to_organization_id)
                    JOIN patrol_team t ON t.kind = 'CONTRACTED' AND t.organization_id IN (r.from_organization_id, r.to_organization_id) AND t.organization_id <> c.id
                   WHERE r.type = 'CONTRACTS_WITH' AND r.status = 'ACCEPTED' AND r.starts_on <= $3::date AND (r.ends_on IS NULL OR r.ends_on >= $3::date)
                     AND (EXISTS (SELECT 1 FROM area ha WHERE ha.id = c.home_area_id AND (ha.path LIKE $2 || '%' OR $2 LIKE ha.path || '%'))
                          OR EXISTS (SELECT 1 FROM organization_jurisdiction cj JOIN area ca ON ca.id = cj.area_id
                                      WHERE cj.organization_id = c.id AND (ca.path LIKE $2 || '%' OR $2 LIKE ca.path || '%'))))
     ) AS stake`,
    [orgs, areaPath, today()],
  );
  return canWatchPatrolArea(ctx.viewer, stake === true);
}

// ---------------------------------------------------------------- shared checks

async function areaOrFail(tx: Tx, field: string, id: string): Promise<Area> {
  const area = await tx.em.findOneBy(Area, { id });
  if (!area) fail(field, UserErrorCode.NOT_FOUND, 'No Area with this id.');
  return area;
}

async function organizationToManage(tx: Tx, field: string, id: string): Promise<Organization> {
  const organization = await tx.em.findOneBy(Organization, { id });
  if (!organization) fail(field, UserErrorCode.NOT_FOUND, 'No Organization with this id.');
  if (!canManagePatrols(tx.ctx.viewer, organization.id)) throw forbidden("Only the organisation's ADMINs and COORDINATORs run its patrols.");
  return organization;
}

function coordinates(check: InputCheck, latitude: number | null | undefined, longitude: number | null | undefined, required: boolean): { latitude: number; longitude: number } | null {
  if (latitude == null && longitude == null) {
    if (required) check.add('latitude', UserErrorCode.REQUIRED, 'latitude and longitude are required.');
    return null;
  }
  if (latitude == null || longitude == null) {
    check.add(latitude == null ? 'latitude' : 'longitude', UserErrorCode.REQUIRED, 'Give latitude and longitude together.');
    return null;
  }
  let ok = true;
  if (!Number.isFinite(latitude) || latitude < -90 || latitude > 90) {
    check.add('latitude', UserErrorCode.OUT_OF_RANGE, 'latitude must be between -90 and 90.');
    ok = false;
  }
  if (!Number.isFinite(longitude) || longitude < -180 || longitude > 180) {
    check.add('longitude', UserErrorCode.OUT_OF_RANGE, 'longitude must be between -180 and 180.');
    ok = false;
  }
  return ok ? { latitude, longitude } : null;
}

/** Emits a change to a team, checkpoint or route on the patrol topic, for the record's audience. */
async function emitAdmin(tx: Tx, type: string, subjectId: string, ownerId: string, contracted: boolean, area: Area, payload: Record<string, unknown>): Promise<void> {
  tx.emit({ topic: PATROL_TOPIC, type, subjectId, areaPath: area.path, organizationIds: await audienceAt(tx, ownerId, contracted, area.path), payload });
}

/**
 * A team works under a contract only if its organisation is that contract's
 * PROVIDER (and, for a draft, drafted it): a team under someone else's
 * contract would feed its compliance figures. Any other contract, hidden or
 * not, answers like an unknown id.
 */
async function contractOfProvider(tx: Tx, contractId: string, organizationId: string): Promise<boolean> {
  // The contract module may not be installed; then the id is kept as given.
  const [{ present }] = await tx.em.query(`SELECT to_regclass('contract') IS NOT NULL AS present`);
  if (!present) return true;
  const rows = await tx.em.query(
    `SELECT 1 FROM contract c JOIN contract_party p ON p.contract_id = c.id AND p.organization_id = $2 AND p.role = 'PROVIDER'
      WHERE c.id = $1 AND (c.status <> 'DRAFT' OR c.created_by_organization_id = $2)`,
    [contractId, organizationId],
  );
  return rows.length > 0;
}

// ---------------------------------------------------------------- teams

export async function createPatrolTeam(ctx: AppContext, input: PatrolTeamCreateInput): Promise<{ patrolTeam: PatrolTeam }> {
  const check = new InputCheck();
  const organizationId = check.id('organizationId', input.organizationId, 'Organization', { required: true });
  const name = check.text('name', input.name, { max: 200, required: true });
  const areaId = check.id('areaId', input.areaId, 'Area', { required: true });
  const contractId = check.id('contractId', input.contractId, 'Contract');
  if (!Object.values(PatrolTeamKind).includes(input.kind)) check.add('kind', UserErrorCode.INVALID, 'Unknown team kind.');
  if (contractId && input.kind !== PatrolTeamKind.CONTRACTED) check.add('contractId', UserErrorCode.INVALID, 'Only CONTRACTED teams work under a contract.');
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    await organizationToManage(tx, 'organizationId', organizationId!);
    const area = await areaOrFail(tx, 'areaId', areaId!);
    if (contractId && !(await contractOfProvider(tx, contractId, organizationId!))) fail('contractId', UserErrorCode.NOT_FOUND, 'No Contract with this id.');
    const id = randomUUID();
    await tx.em.insert(PatrolTeam, { id, name: name!, kind: input.kind, organizationId: organizationId!, areaId: area.id, contractId });
    tx.audit({ action: 'patrolTeamCreate', recordType: 'PatrolTeam', recordId: id, details: { name, kind: input.kind, organizationId, areaId, contractId } });
    await emitAdmin(tx, 'patrolTeam.created', id, organizationId!, input.kind === PatrolTeamKind.CONTRACTED, area, { teamId: id, name });
    return { patrolTeam: await tx.em.findOneByOrFail(PatrolTeam, { id }) };
  });
}

async function teamToManage(tx: Tx, field: string, id: string, lock = false): Promise<PatrolTeam> {
  const team = await tx.em.findOne(PatrolTeam, { where: { id }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
  if (!team || !(await canSeeTeam(tx.ctx, team))) fail(field, UserErrorCode.NOT_FOUND, 'No PatrolTeam with this id.');
  if (!canManagePatrols(tx.ctx.viewer, team.organizationId)) throw forbidden("Only the team organisation's ADMINs and COORDINATORs manage it.");
  return team;
}

export async function updatePatrolTeam(ctx: AppContext, input: PatrolTeamUpdateInput): Promise<{ patrolTeam: PatrolTeam }> {
  const check = new InputCheck();
  const id = check.id('id', input.id, 'PatrolTeam', { required: true });
  const name = input.name == null ? null : check.text('name', input.name, { max: 200, required: true });
  const areaId = check.id('areaId', input.areaId, 'Area');
  const contractId = check.id('contractId', input.contractId, 'Contract');
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    const team = await teamToManage(tx, 'id', id!);
    const changes: Partial<PatrolTeam> = {};
    if (name) changes.name = name;
    if (areaId) changes.areaId = (await areaOrFail(tx, 'areaId', areaId)).id;
    if (contractId) {
      if (team.kind !== PatrolTeamKind.CONTRACTED) fail('contractId', UserErrorCode.INVALID, 'Only CONTRACTED teams work under a contract.');
      if (!(await contractOfProvider(tx, contractId, team.organizationId))) fail('contractId', UserErrorCode.NOT_FOUND, 'No Contract with this id.');
      changes.contractId = contractId;
    }
    await updateVersioned(tx, PatrolTeam, team.id, input.expectedVersion, changes, 'team');
    const updated = await tx.em.findOneByOrFail(PatrolTeam, { id: team.id });
    tx.audit({ action: 'patrolTeamUpdate', recordType: 'PatrolTeam', recordId: team.id, details: { ...changes } });
    await emitAdmin(tx, 'patrolTeam.updated', team.id, team.organizationId, team.kind === PatrolTeamKind.CONTRACTED, await areaOrFail(tx, 'areaId', updated.areaId), {
      teamId: team.id,
      changed: Object.keys(changes),
    });
    return { patrolTeam: updated };
  });
}

export async function addPatrolTeamMember(ctx: AppContext, input: PatrolTeamMemberAddInput): Promise<{ patrolTeam: PatrolTeam }> {
  const check = new InputCheck();
  const teamId = check.id('teamId', input.teamId, 'PatrolTeam', { required: true });
  const userId = check.id('userId', input.userId, 'User', { required: true });
  if (!Object.values(PatrolTeamRole).includes(input.role)) check.add('role', UserErrorCode.INVALID, 'Unknown team role.');
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    const team = await teamToManage(tx, 'teamId', teamId!, true);
    if (!(await tx.em.existsBy(User, { id: userId! }))) fail('userId', UserErrorCode.NOT_FOUND, 'No User with this id.');
    if (!(await tx.em.existsBy(Membership, { userId: userId!, organizationId: team.organizationId }))) {
      fail('userId', UserErrorCode.NOT_PERMITTED_HERE, "Only members of the team's organisation can join the team.");
    }
    if (await tx.em.existsBy(PatrolTeamMember, { teamId: team.id, userId: userId! })) fail('userId', UserErrorCode.DUPLICATE, 'The person is already in the team.');
    const { identifiers } = await tx.em.insert(PatrolTeamMember, { teamId: team.id, userId: userId!, role: input.role });
    tx.audit({ action: 'patrolTeamMemberAdd', recordType: 'PatrolTeam', recordId: team.id, details: { userId, role: input.role, memberId: identifiers[0].id } });
    await emitAdmin(tx, 'patrolTeam.memberAdded', team.id, team.organizationId, team.kind === PatrolTeamKind.CONTRACTED, await areaOrFail(tx, 'teamId', team.areaId), {
      teamId: team.id,
      userId,
      role: input.role,
    });
    return { patrolTeam: team };
  });
}

export async function removePatrolTeamMember(ctx: AppContext, input: PatrolTeamMemberRemoveInput): Promise<{ patrolTeam: PatrolTeam }> {
  const check = new InputCheck();
  const teamId = check.id('teamId', input.teamId, 'PatrolTeam', { required: true });
  const userId = check.id('userId', input.userId, 'User', { required: true });
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    const team = await teamToManage(tx, 'teamId', teamId!, true);
    const member = await tx.em.findOneBy(PatrolTeamMember, { teamId: team.id, userId: userId! });
    if (!member) fail('userId', UserErrorCode.NOT_FOUND, 'The person is not in the team.');
    await tx.em.delete(PatrolTeamMember, { id: member.id });
    tx.audit({ action: 'patrolTeamMemberRemove', recordType: 'PatrolTeam', recordId: team.id, details: { userId, role: member.role } });
    await emitAdmin(tx, 'patrolTeam.memberRemoved', team.id, team.organizationId, team.kind === PatrolTeamKind.CONTRACTED, await areaOrFail(tx, 'teamId', team.areaId), {
      teamId: team.id,
      userId,
    });
    return { patrolTeam: team };
  });
}

// ---------------------------------------------------------------- checkpoints

export async function createCheckpoint(ctx: AppContext, input: CheckpointCreateInput): Promise<{ checkpoint: Checkpoint }> {
  const check = new InputCheck();
  const organizationId = check.id('organizationId', input.organizationId, 'Organization', { required: true });
  const name = check.text('name', input.name, { max: 200, required: true });
  const areaId = check.id('areaId', input.areaId, 'Area', { required: true });
  const position = coordinates(check, input.latitude, input.longitude, true);
  if (!Object.values(CheckpointKind).includes(input.kind)) check.add('kind', UserErrorCode.INVALID, 'Unknown checkpoint kind.');
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    await organizationToManage(tx, 'organizationId', organizationId!);
    const area = await areaOrFail(tx, 'areaId', areaId!);
    const id = randomUUID();
    await tx.em.insert(Checkpoint, { id, organizationId: organizationId!, areaId: area.id, name: name!, kind: input.kind, ...position! });
    tx.audit({ action: 'checkpointCreate', recordType: 'Checkpoint', recordId: id, details: { name, kind: input.kind, areaId, ...position } });
    await emitAdmin(tx, 'checkpoint.created', id, organizationId!, true, area, { checkpointId: id, name });
    return { checkpoint: await tx.em.findOneByOrFail(Checkpoint, { id }) };
  });
}

export async function checkpointToManage(tx: Tx, id: string): Promise<Checkpoint> {
  const checkpoint = await tx.em.findOneBy(Checkpoint, { id });
  if (!checkpoint || !(await canSeeCheckpoint(tx.ctx, checkpoint))) fail('id', UserErrorCode.NOT_FOUND, 'No Checkpoint with this id.');
  if (!canManagePatrols(tx.ctx.viewer, checkpoint.organizationId)) throw forbidden("Only the organisation's ADMINs and COORDINATORs manage its checkpoints.");
  return checkpoint;
}

export async function updateCheckpoint(ctx: AppContext, input: CheckpointUpdateInput): Promise<{ checkpoint: Checkpoint }> {
  const check = new InputCheck();
  const id = check.id('id', input.id, 'Checkpoint', { required: true });
  const name = input.name == null ? null : check.text('name', input.name, { max: 200, required: true });
  const position = coordinates(check, input.latitude, input.longitude, false);
  if (input.kind != null && !Object.values(CheckpointKind).includes(input.kind)) check.add('kind', UserErrorCode.INVALID, 'Unknown checkpoint kind.');
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    const checkpoint = await checkpointToManage(tx, id!);
    if (checkpoint.retiredAt) fail('id', UserErrorCode.INVALID_TRANSITION, 'A retired checkpoint cannot change.');
    const changes: Partial<Checkpoint> = { ...(name ? { name } : {}), ...(input.kind ? { kind: input.kind } : {}), ...(position ?? {}) };
    await updateVersioned(tx, Checkpoint, checkpoint.id, input.expectedVersion, changes, 'checkpoint');
    tx.audit({ action: 'checkpointUpdate', recordType: 'Checkpoint', recordId: checkpoint.id, details: { ...changes } });
    await emitAdmin(tx, 'checkpoint.updated', checkpoint.id, checkpoint.organizationId, true, await areaOrFail(tx, 'id', checkpoint.areaId), {
      checkpointId: checkpoint.id,
      changed: Object.keys(changes),
    });
    return { checkpoint: await tx.em.findOneByOrFail(Checkpoint, { id: checkpoint.id }) };
  });
}

export async function retireCheckpoint(ctx: AppContext, input: RetireInput): Promise<{ checkpoint: Checkpoint }> {
  const check = new InputCheck();
  const id = check.id('id', input.id, 'Checkpoint', { required: true });
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    const checkpoint = await checkpointToManage(tx, id!);
    if (checkpoint.retiredAt) fail('id', UserErrorCode.ALREADY_DONE, 'The checkpoint is already retired.');
    await updateVersioned(tx, Checkpoint, checkpoint.id, null, { retiredAt: clock.now() }, 'checkpoint');
    tx.audit({ action: 'checkpointRetire', recordType: 'Checkpoint', recordId: checkpoint.id });
    await emitAdmin(tx, 'checkpoint.retired', checkpoint.id, checkpoint.organizationId, true, await areaOrFail(tx, 'id', checkpoint.areaId), { checkpointId: checkpoint.id });
    return { checkpoint: await tx.em.findOneByOrFail(Checkpoint, { id: checkpoint.id }) };
  });
}

// ---------------------------------------------------------------- routes

async function routeCheckpoints(tx: Tx, check: InputCheck, raw: string[], organizationId: string, area: Area): Promise<string[]> {
  if (raw.length === 0 || raw.length > MAX_ROUTE_CHECKPOINTS) {
    fail('checkpointIds', UserErrorCode.OUT_OF_RANGE, `A route has 1 to ${MAX_ROUTE_CHECKPOINTS} checkpoints.`);
  }
  const ids: string[] = [];
  raw.forEach((value, i) => {
    const id = check.id(`checkpointIds.${i}`, value, 'Checkpoint');
    if (!id) return;
    if (ids.includes(id)) check.add(['input', 'checkpointIds', String(i)], UserErrorCode.DUPLICATE, 'A checkpoint appears once per route.');
    ids.push(id);
  });
  failIfAny(check.errors);
  const rows = await tx.em.createQueryBuilder(Checkpoint, 'c').innerJoin(Area, 'a', 'a.id = c.area_id').addSelect('a.path', 'path').where('c.id IN (:...ids)', { ids }).getRawAndEntities();
  const byId = new Map(rows.entities.map((c, i) => [c.id, { checkpoint: c, path: rows.raw[i].path as string }]));
  ids.forEach((id, i) => {
    const found = byId.get(id);
    const field = ['input', 'checkpointIds', String(i)];
    if (!found || found.checkpoint.organizationId !== organizationId) check.add(field, UserErrorCode.NOT_FOUND, "No Checkpoint with this id among the organisation's checkpoints.");
    else if (found.checkpoint.retiredAt) check.add(field, UserErrorCode.NOT_PERMITTED_HERE, 'The checkpoint is retired.');
    else if (!found.path.startsWith(area.path)) check.add(field, UserErrorCode.NOT_PERMITTED_HERE, "The checkpoint lies outside the route's area.");
  });
  failIfAny(check.errors);
  return ids;
}

export async function createRoute(ctx: AppContext, input: RouteCreateInput): Promise<{ route: Route }> {
  const check = new InputCheck();
  const organizationId = check.id('organizationId', input.organizationId, 'Organization', { required: true });
  const name = check.text('name', input.name, { max: 200, required: true });
  const areaId = check.id('areaId', input.areaId, 'Area', { required: true });
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    await organizationToManage(tx, 'organizationId', organizationId!);
    const area = await areaOrFail(tx, 'areaId', areaId!);
    const checkpointIds = await routeCheckpoints(tx, check, input.checkpointIds ?? [], organizationId!, area);
    const id = randomUUID();
    await tx.em.insert(Route, { id, organizationId: organizationId!, areaId: area.id, name: name! });
    await tx.em.insert(RouteCheckpoint, checkpointIds.map((checkpointId, position) => ({ routeId: id, position, checkpointId })));
    tx.audit({ action: 'routeCreate', recordType: 'Route', recordId: id, details: { name, areaId, checkpointIds } });
    await emitAdmin(tx, 'route.created', id, organizationId!, true, area, { routeId: id, name });
    return { route: await tx.em.findOneByOrFail(Route, { id }) };
  });
}

async function routeToManage(tx: Tx, id: string): Promise<Route> {
  const route = await tx.em.findOne(Route, { where: { id }, lock: { mode: 'pessimistic_write' } });
  if (!route || !(await canSeeRoute(tx.ctx, route))) fail('id', UserErrorCode.NOT_FOUND, 'No Route with this id.');
  if (!canManagePatrols(tx.ctx.viewer, route.organizationId)) throw forbidden("Only the organisation's ADMINs and COORDINATORs manage its routes.");
  return route;
}

export async function updateRoute(ctx: AppContext, input: RouteUpdateInput): Promise<{ route: Route }> {
  const check = new InputCheck();
  const id = check.id('id', input.id, 'Route', { required: true });
  const name = input.name == null ? null : check.text('name', input.name, { max: 200, required: true });
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    const route = await routeToManage(tx, id!);
    if (route.retiredAt) fail('id', UserErrorCode.INVALID_TRANSITION, 'A retired route cannot change.');
    const area = await areaOrFail(tx, 'id', route.areaId);
    const checkpointIds = input.checkpointIds ? await routeCheckpoints(tx, check, input.checkpointIds, route.organizationId, area) : null;
    await updateVersioned(tx, Route, route.id, input.expectedVersion, name ? { name } : {}, 'route');
    if (checkpointIds) {
      await tx.em.delete(RouteCheckpoint, { routeId: route.id });
      await tx.em.insert(RouteCheckpoint, checkpointIds.map((checkpointId, position) => ({ routeId: route.id, position, checkpointId })));
    }
    tx.audit({ action: 'routeUpdate', recordType: 'Route', recordId: route.id, details: { name, checkpointIds } });
    await emitAdmin(tx, 'route.updated', route.id, route.organizationId, true, area, { routeId: route.id });
    return { route: await tx.em.findOneByOrFail(Route, { id: route.id }) };
  });
}

export async function retireRoute(ctx: AppContext, input: RetireInput): Promise<{ route: Route }> {
  const check = new InputCheck();
  const id = check.id('id', input.id, 'Route', { required: true });
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    const route = await routeToManage(tx, id!);
    if (route.retiredAt) fail('id', UserErrorCode.ALREADY_DONE, 'The route is already retired.');
    await updateVersioned(tx, Route, route.id, null, { retiredAt: clock.now() }, 'route');
    tx.audit({ action: 'routeRetire', recordType: 'Route', recordId: route.id });
    await emitAdmin(tx, 'route.retired', route.id, route.organizationId, true, await areaOrFail(tx, 'id', route.areaId), { routeId: route.id });
    return { route: await tx.em.findOneByOrFail(Route, { id: route.id }) };
  });
}

// ---------------------------------------------------------------- plans

const DAY_MS = 86_400_000;
const localDate = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });

/**
 * Start times of a plan and its repetitions. China Standard Time has no
 * daylight saving, so "same local time every day" is a fixed 24 h step.
 */
function occurrences(check: InputCheck, start: Date, input: PatrolPlanInput): number[] {
  if (!input.repeat) return [0];
  const { frequency, until } = input.repeat;
  if (!Object.values(PatrolRepeatFrequency).includes(frequency)) check.add(['input', 'repeat', 'frequency'], UserErrorCode.INVALID, 'Unknown frequency.');
  if (!isLocalDate(until)) check.add(['input', 'repeat', 'until'], UserErrorCode.INVALID, 'until must be a date (YYYY-MM-DD).');
  if (!check.ok) return [];
  const step = frequency === PatrolRepeatFrequency.WEEKLY ? 7 * DAY_MS : DAY_MS;
  if (localDate.format(start) > until) {
    check.add(['input', 'repeat', 'until'], UserErrorCode.DATE_ORDER, 'until lies before the first patrol.');
    return [];
  }
  const offsets: number[] = [];
  for (let offset = 0; localDate.format(new Date(start.getTime() + offset)) <= until; offset += step) {
    if (offsets.length === MAX_REPEATS) {
      check.add(['input', 'repeat', 'until'], UserErrorCode.OUT_OF_RANGE, `A plan repeats at most ${MAX_REPEATS} times.`);
      return [];
    }
    offsets.push(offset);
  }
  return offsets;
}

export async function planPatrols(ctx: AppContext, input: PatrolPlanInput): Promise<{ patrols: Patrol[] }> {
  const check = new InputCheck();
  const teamId = check.id('teamId', input.teamId, 'PatrolTeam', { required: true });
  const routeId = check.id('routeId', input.routeId, 'Route');
  const areaId = check.id('areaId', input.areaId, 'Area');
  const leaderId = check.id('leaderId', input.leaderId, 'User');
  if (!input.routeId && !input.areaId) check.add('routeId', UserErrorCode.REQUIRED, 'Give a route, an area or both.');
  const start = input.plannedStart;
  const end = input.plannedEnd;
  if (end.getTime() <= start.getTime()) check.add('plannedEnd', UserErrorCode.DATE_ORDER, 'plannedEnd must lie after plannedStart.');
  else if (end.getTime() - start.getTime() > MAX_PATROL_HOURS * 3_600_000) check.add('plannedEnd', UserErrorCode.OUT_OF_RANGE, `A patrol lasts at most ${MAX_PATROL_HOURS} hours.`);
  if (end.getTime() <= clock.now().getTime()) check.add('plannedEnd', UserErrorCode.OUT_OF_RANGE, 'plannedEnd must lie in the future.');
  const offsets = occurrences(check, start, input);
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    const team = await tx.em.findOneBy(PatrolTeam, { id: teamId! });
    if (!team || !(await canSeeTeam(ctx, team))) fail('teamId', UserErrorCode.NOT_FOUND, 'No PatrolTeam with this id.');
    if (!canManagePatrols(ctx.viewer, team.organizationId)) throw forbidden("Only the team organisation's ADMINs and COORDINATORs plan its patrols.");
    const teamArea = await areaOrFail(tx, 'teamId', team.areaId);

    let route: Route | null = null;
    let plannedCheckpointIds: string[] = [];
    if (routeId) {
      route = await tx.em.findOneBy(Route, { id: routeId });
      if (!route || !(await canSeeRoute(ctx, route))) fail('routeId', UserErrorCode.NOT_FOUND, 'No Route with this id.');
      if (route.retiredAt) fail('routeId', UserErrorCode.NOT_PERMITTED_HERE, 'The route is retired.');
      const routeArea = await areaOrFail(tx, 'routeId', route.areaId);
      if (route.organizationId !== team.organizationId && !(await audienceAt(tx, route.organizationId, true, routeArea.path)).includes(team.organizationId)) {
        fail('routeId', UserErrorCode.NOT_PERMITTED_HERE, "The route is not available to the team's organisation.");
      }
      const rows: { checkpoint_id: string }[] = await tx.em.query(
        `SELECT rc.checkpoint_id FROM route_checkpoint rc JOIN checkpoint c ON c.id = rc.checkpoint_id
          WHERE rc.route_id = $1 AND c.retired_at IS NULL ORDER BY rc.position`,
        [route.id],
      );
      plannedCheckpointIds = rows.map((r) => r.checkpoint_id);
    }
    const area = await areaOrFail(tx, 'areaId', areaId ?? route!.areaId);
    if (!area.path.startsWith(teamArea.path)) fail(areaId ? 'areaId' : 'routeId', UserErrorCode.NOT_PERMITTED_HERE, "The patrol must lie within the team's area.");

    const members = await tx.em.findBy(PatrolTeamMember, { teamId: team.id });
    let leaderUserId: string | null = null;
    if (leaderId) {
      if (!members.some((m) => m.userId === leaderId)) fail('leaderId', UserErrorCode.NOT_PERMITTED_HERE, 'The leader must be a member of the team.');
      leaderUserId = leaderId;
    } else {
      const leaders = members.filter((m) => m.role === PatrolTeamRole.LEADER);
      leaderUserId = leaders.length === 1 ? leaders[0].userId : null;
    }

    const seriesId = offsets.length > 1 ? randomUUID() : null;
    const now = clock.now().getTime();
    const rows = offsets
      .map((offset) => ({
        id: randomUUID(),
        teamId: team.id,
        areaId: area.id,
        routeId: route?.id ?? null,
        leaderUserId,
        seriesId,
        plannedStart: new Date(start.getTime() + offset),
        plannedEnd: new Date(end.getTime() + offset),
        status: PatrolStatus.PLANNED,
      }))
      .filter((p) => p.plannedEnd.getTime() > now);
    await tx.em.insert(Patrol, rows);
    if (plannedCheckpointIds.length) {
      await tx.em.insert(
        PatrolPlannedCheckpoint,
        rows.flatMap((p) => plannedCheckpointIds.map((checkpointId, position) => ({ patrolId: p.id, position, checkpointId }))),
      );
    }
    tx.audit({
      action: 'patrolPlan',
      recordType: 'PatrolTeam',
      recordId: team.id,
      details: { patrolIds: rows.map((p) => p.id), routeId: route?.id, areaId: area.id, plannedStart: start, plannedEnd: end, repeat: input.repeat ?? null, leaderUserId },
    });
    const audience = await audienceAt(tx, team.organizationId, team.kind === PatrolTeamKind.CONTRACTED, area.path);
    for (const p of rows) {
      emitPatrol(tx, { patrolId: p.id, teamId: team.id, areaPath: area.path, audience }, 'patrol.planned', {
        status: PatrolStatus.PLANNED,
        plannedStart: p.plannedStart,
        plannedEnd: p.plannedEnd,
      });
    }
    return { patrols: await tx.em.find(Patrol, { where: { id: In(rows.map((p) => p.id)) }, order: { plannedStart: 'ASC' } }) };
  });
}

export async function cancelPatrol(ctx: AppContext, input: PatrolCancelInput): Promise<{ patrol: Patrol; cancelledCount: number }> {
  const check = new InputCheck();
  const id = check.id('id', input.id, 'Patrol', { required: true });
  const reason = check.text('reason', input.reason, { max: 1000 });
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    const patrol = await tx.em.findOne(Patrol, { where: { id: id! }, lock: { mode: 'pessimistic_write' } });
    if (!patrol || !(await canSeePatrol(ctx, patrol))) fail('id', UserErrorCode.NOT_FOUND, 'No Patrol with this id.');
    const team = await tx.em.findOneByOrFail(PatrolTeam, { id: patrol.teamId });
    if (!canManagePatrols(ctx.viewer, team.organizationId)) throw forbidden("Only the team organisation's ADMINs and COORDINATORs cancel its patrols.");
    if (patrol.status !== PatrolStatus.PLANNED) fail('id', UserErrorCode.INVALID_TRANSITION, `A ${patrol.status} patrol cannot be cancelled; only PLANNED ones can.`);
    const ids = [patrol.id];
    if (input.includeLaterInSeries && patrol.seriesId) {
      const later: { id: string }[] = await tx.em.query(
        `SELECT id FROM patrol WHERE series_id = $1 AND status = 'PLANNED' AND planned_start > $2 ORDER BY planned_start FOR UPDATE`,
        [patrol.seriesId, patrol.plannedStart],
      );
      ids.push(...later.map((r) => r.id));
    }
    await tx.em
      .createQueryBuilder()
      .update(Patrol)
      .set({ status: PatrolStatus.CANCELLED, cancelReason: reason, version: () => 'version + 1' })
      .where('id IN (:...ids)', { ids })
      .execute();
    tx.audit({ action: 'patrolCancel', recordType: 'Patrol', recordId: patrol.id, details: { reason, cancelledIds: ids } });
    const areas = await tx.em.query(`SELECT p.id, a.path FROM patrol p JOIN area a ON a.id = p.area_id WHERE p.id = ANY($1)`, [ids]);
    const audiences = new Map<string, string[]>();
    for (const { id: patrolId, path } of areas as { id: string; path: string }[]) {
      if (!audiences.has(path)) audiences.set(path, await audienceAt(tx, team.organizationId, team.kind === PatrolTeamKind.CONTRACTED, path));
      emitPatrol(tx, { patrolId, teamId: team.id, areaPath: path, audience: audiences.get(path)! }, 'patrol.statusChanged', {
        status: PatrolStatus.CANCELLED,
        previousStatus: PatrolStatus.PLANNED,
        reason,
      });
    }
    return { patrol: await tx.em.findOneByOrFail(Patrol, { id: patrol.id }), cancelledCount: ids.length };
  });
}
