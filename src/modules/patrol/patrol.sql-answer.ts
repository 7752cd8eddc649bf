import type { SqlAnswers } from '../../shared/read-plan/sql-answer';
import { filterId } from '../../shared/relay/global-id';
import { PatrolStatus } from './patrol.entity';
import { canSeePatrolRecordsSql } from './patrol.policy';

/**
 * Patrols on duty as PostgreSQL answers them whole (shared/read-plan/sql-answer.ts): the same filter, order and
 * audience rule as listPatrols; a team, route and checkpoints seen through a patrol the viewer sees carry no rule of
 * their own (patrol.resolver.ts).
 */
export const patrolSqlAnswers: SqlAnswers = {
  roots: {
    patrolsOnDuty: {
      type: 'Patrol',
      order: (p) => `${p}.planned_start, ${p}.id`,
      args: ['areaId'],
      // As listPatrols and the planned read join them: the same plan (ordered by the start index) at any size.
      joins: (p) => `JOIN patrol_team t ON t.id = ${p}.team_id JOIN area a ON a.id = ${p}.area_id`,
      where: async ({ ctx, row, arg, bind }) => {
        const areaId = arg('areaId');
        if (typeof areaId !== 'string') return null;
        // The area's subtree is read in the same statement, not by a statement of its own before it. As listPatrols
        // filters: an empty id sets no area; an id that is not an area's (filterId makes it the nil id) or of no
        // area matches nothing, as starts_with(path, NULL) is NULL.
        const withinAreaId = filterId(areaId, 'Area');
        const within = withinAreaId ? `AND starts_with(a.path, (SELECT sub.path FROM area sub WHERE sub.id = ${bind(withinAreaId)}::uuid))` : '';
        return `${row}.status = ${bind(PatrolStatus.ACTIVE)} ${within}
          AND ${canSeePatrolRecordsSql(ctx.viewer, 't.organization_id', `t.kind = 'CONTRACTED'`, 'a.path', bind)}`;
      },
    },
  },
  tables: {
    Patrol: {
      table: 'patrol',
      fields: {
        id: { globalId: true },
        status: { column: 'status' },
        cancelReason: { column: 'cancel_reason' },
        version: { column: 'version' },
        plannedStart: { column: 'planned_start' },
        plannedEnd: { column: 'planned_end' },
        startedAt: { column: 'started_at' },
        endedAt: { column: 'ended_at' },
        createdAt: { column: 'created_at' },
        updatedAt: { column: 'updated_at' },
        team: { one: 'PatrolTeam', key: 'team_id' },
        area: { one: 'Area', key: 'area_id' },
        route: { one: 'Route', key: 'route_id' },
      },
    },
    PatrolTeam: {
      table: 'patrol_team',
      fields: {
        id: { globalId: true },
        name: { column: 'name' },
        kind: { column: 'kind' },
        version: { column: 'version' },
        createdAt: { column: 'created_at' },
        updatedAt: { column: 'updated_at' },
        organization: { one: 'Organization', key: 'organization_id' },
        area: { one: 'Area', key: 'area_id' },
      },
    },
    Route: {
      table: 'route',
      fields: {
        id: { globalId: true },
        name: { column: 'name' },
        version: { column: 'version' },
        retiredAt: { column: 'retired_at' },
        createdAt: { column: 'created_at' },
        updatedAt: { column: 'updated_at' },
        organization: { one: 'Organization', key: 'organization_id' },
        area: { one: 'Area', key: 'area_id' },
        // checkpointIdsByRouteId: walking order.
        checkpoints: {
          list: 'Checkpoint',
          rows: (route, c) => `route_checkpoint ${c}_rc JOIN checkpoint ${c} ON ${c}.id = ${c}_rc.checkpoint_id WHERE ${c}_rc.route_id = ${route}.id`,
          order: (c) => `${c}_rc.position`,
        },
      },
    },
    Checkpoint: {
      table: 'checkpoint',
      fields: {
        id: { globalId: true },
        name: { column: 'name' },
        kind: { column: 'kind' },
        latitude: { column: 'latitude' },
        longitude: { column: 'longitude' },
        version: { column: 'version' },
        retiredAt: { column: 'retired_at' },
        createdAt: { column: 'created_at' },
        updatedAt: { column: 'updated_at' },
        organization: { one: 'Organization', key: 'organization_id' },
        area: { one: 'Area', key: 'area_id' },
      },
    },
  },
};
