import { today } from '../../shared/clock';
import { defineByIdLoader, defineLoader, groupByKey } from '../../shared/loaders';
import { defineChildConnection } from '../../shared/relay/child-connection';
import { Checkpoint, Patrol, PatrolEvent, PatrolTeam, PatrolTeamMember, Route } from './patrol.entity';
import { computeCoverage, type CoverageFacts } from './patrol.coverage';

export const patrolTeamsById = defineByIdLoader(PatrolTeam);

export const checkpointsById = defineByIdLoader(Checkpoint);

export const routesById = defineByIdLoader(Route);

export const patrolsById = defineByIdLoader(Patrol);

export const patrolEventsById = defineByIdLoader(PatrolEvent);

export const patrolTeamMembersById = defineByIdLoader(PatrolTeamMember);

/** Checkpoint ids of each route, in walking order. */
export const checkpointIdsByRouteId = defineLoader<string, string[]>(async (ids, ctx) => {
  const rows: { route_id: string; checkpoint_id: string }[] = await ctx.app.db.query(
    `SELECT route_id, checkpoint_id FROM route_checkpoint WHERE route_id = ANY($1) ORDER BY route_id, position`,
    [[...ids]],
  );
  return groupByKey(ids, rows, (r) => r.route_id).map((group) => group.map((r) => r.checkpoint_id));
});

export const patrolTeamMembersByTeamId = defineChildConnection<PatrolTeamMember>({
  entity: PatrolTeamMember,
  parentColumn: 'x.team_id',
  sort: [
    { sql: 'x.created_at', value: (m) => m.createdAt.toISOString() },
    { sql: 'x.id', value: (m) => m.id },
  ],
});

/** A patrol's events in device-time order: late and out-of-order arrivals land where they happened. */
export const patrolEventsByPatrolId = defineChildConnection<PatrolEvent>({
  entity: PatrolEvent,
  parentColumn: 'x.patrol_id',
  sort: [
    { sql: 'x.device_time', value: (e) => e.deviceTime.toISOString() },
    { sql: 'x.id', value: (e) => e.id },
  ],
});

export const patrolCoverageByPatrolId = defineLoader<string, CoverageFacts>(async (ids, ctx) => {
  const facts = await computeCoverage(ctx.app.db.manager, [...ids]);
  return ids.map((id) => facts.get(id)!);
});

export interface AudienceKey {
  /** The organisation that owns the record (team, checkpoint, route). */
  ownerId: string;
  /** Whether contracting clients of the owner count (contracted teams' patrols). */
  contracted: boolean;
  /** Materialized path of the record's area. */
  areaPath: string;
}

/** Who may see a patrol record of `ownerId` in an area, today (see patrol.policy.ts). */
export const audienceOrganizationIdsByScope = defineLoader<AudienceKey, string[]>(
  async (keys, ctx) => {
    const rows: { i: string; ids: string[] | null }[] = await ctx.app.db.query(
      `SELECT k.i::text AS i, patrol_audience(k.owner, k.contracted, k.path, $4::date) AS ids
         FROM unnest($1::uuid[], $2::boolean[], $3::text[]) WITH ORDINALITY AS k(owner, contracted, path, i)`,
      [keys.map((k) => k.ownerId), keys.map((k) => k.contracted), keys.map((k) => k.areaPath), today()],
    );
    const byIndex = new Map(rows.map((r) => [Number(r.i), r.ids ?? []]));
    return keys.map((_, i) => byIndex.get(i + 1) ?? []);
  },
  (k) => `${k.ownerId}|${k.contracted}|${k.areaPath}`,
);
