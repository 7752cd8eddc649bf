import type { GraphQLResolveInfo } from 'graphql';
import type { AppContext } from '../../shared/context';
import { canSeePatrolRecordsSql } from './patrol.policy';
import { decodeCursor, encodeCursor, memo, pageSize, withLazyCursors, type ConnectionArgs, type Page } from '../../shared/relay/connection';
import { connectionNodes, subFields } from '../../shared/read-plan/selection';
import { keepPlanned, planned } from '../../shared/read-plan/planned';
import { entityColumns } from '../../shared/read-plan/columns';
import { Area } from '../area/area.entity';
import { subtreePattern } from '../area/area.service';
import { Organization } from '../organization/organization.entity';
import { Checkpoint, Patrol, PatrolStatus, PatrolTeam, Route } from './patrol.entity';
import { checkpointIdsByRouteId } from './patrol.loaders';

/**
 * `patrolsOnDuty` read as a whole: one statement for the page of ACTIVE
 * patrols in an area subtree that the viewer may see, with their areas,
 * teams, the teams' organisations and routes (joins) and each route's
 * checkpoints in walking order (a sub-select aggregated as JSON), with only
 * the entities' columns (never a checkpoint's token hash). Before it, the
 * area's path is read (as listPatrols does): the subtree condition needs the
 * pattern as a constant for the area-path index to serve it.
 *
 * The rows are kept for this request, so the field resolvers answer from
 * them and whatever the plan does not cover (a team's members, a patrol's
 * events or coverage, a leader) falls back to the loaders and their checks.
 */
interface Plan {
  area: boolean;
  team: boolean;
  teamOrganization: boolean;
  route: boolean;
  checkpoints: boolean;
}

function planOf(info: GraphQLResolveInfo): Plan {
  const nodes = connectionNodes(info, info.fieldNodes);
  const team = subFields(info, nodes, 'team');
  const route = subFields(info, nodes, 'route');
  return {
    area: subFields(info, nodes, 'area').length > 0,
    team: team.length > 0,
    teamOrganization: subFields(info, team, 'organization').length > 0,
    route: route.length > 0,
    checkpoints: subFields(info, route, 'checkpoints').length > 0,
  };
}

/** The checkpoints a planned read holds for a route, in walking order. */
export function plannedRouteCheckpoints(ctx: AppContext, routeId: string): Checkpoint[] | undefined {
  return planned<Checkpoint[]>(ctx, 'Route.checkpoints', routeId);
}

/**
 * The patrols on duty, planned; null when planning is off (the caller takes
 * listPatrols). The filter and order are listPatrols' for one area and
 * ACTIVE, and the visibility condition is its whereVisible: keep them in step.
 */
export async function readPatrolsOnDutyPlanned(ctx: AppContext, withinAreaId: string | null, args: ConnectionArgs, info: GraphQLResolveInfo): Promise<Page<Patrol> | null> {
  if (!ctx.app.config.readPlan || !withinAreaId) return null;
  const plan = planOf(info);
  const db = ctx.app.db;
  const params: unknown[] = [];
  const bind = (value: unknown) => (params.push(value), `$${params.length}`);

  const where = [`p.status = ${bind(PatrolStatus.ACTIVE)}`, `a.path LIKE ${bind(await subtreePattern(ctx, withinAreaId))}`];
  where.push(canSeePatrolRecordsSql(ctx.viewer, 't.organization_id', `t.kind = 'CONTRACTED'`, 'a.path', bind));
  const from = `FROM patrol p JOIN patrol_team t ON t.id = p.team_id JOIN area a ON a.id = p.area_id`;
  const countParams = [...params];
  const countSql = `SELECT count(*) AS n ${from} WHERE ${where.join(' AND ')}`;
  const count = memo(async () => Number((await db.query(countSql, countParams))[0].n));

  const first = pageSize(args.first);
  if (args.after) {
    const [start, id] = decodeCursor(args.after, 2);
    where.push(`(p.planned_start, p.id) > (${bind(start)}, ${bind(id)})`);
  }
  if (first === 0) return { items: [], cursors: [], hasNextPage: false, hasPreviousPage: Boolean(args.after), count };

  const patrol = entityColumns(db, Patrol);
  const area = entityColumns(db, Area);
  const team = entityColumns(db, PatrolTeam);
  const organization = entityColumns(db, Organization);
  const route = entityColumns(db, Route);
  const checkpoint = entityColumns(db, Checkpoint);
  const select = [`${patrol.array('p')} AS p`];
  const joins: string[] = [];
  if (plan.area) {
    select.push(`${area.array('pa')} AS a`);
    joins.push('JOIN area pa ON pa.id = p.area_id');
  }
  if (plan.team) {
    select.push(`${team.array('t')} AS t`);
    joins.push('JOIN patrol_team t ON t.id = p.team_id');
    if (plan.teamOrganization) {
      select.push(`${organization.array('o')} AS o`);
      joins.push('JOIN organization o ON o.id = t.organization_id');
    }
  }
  if (plan.route) {
    select.push(`${route.array('r')} AS r`);
    joins.push('LEFT JOIN route r ON r.id = p.route_id');
    if (plan.checkpoints) {
      // checkpointIdsByRouteId's order (walking order), and checkpointsById's rows.
      select.push(`(SELECT json_agg(${checkpoint.array('c')} ORDER BY rc.position)
                      FROM route_checkpoint rc JOIN checkpoint c ON c.id = rc.checkpoint_id WHERE rc.route_id = r.id) AS checkpoints`);
    }
  }
  const rows: any[] = await db.query(
    `SELECT ${select.join(', ')}
       FROM (SELECT p.* ${from} WHERE ${where.join(' AND ')} ORDER BY p.planned_start, p.id LIMIT ${bind(first + 1)}) p
       ${joins.join('\n')}
      ORDER BY p.planned_start, p.id`,
    params,
  );

  const items = rows.slice(0, first).map((row) => {
    const p = patrol.readArray(row.p)!;
    keep(ctx, 'Patrol', p);
    if (plan.area) keep(ctx, 'Area', area.readArray(row.a));
    if (plan.team) keep(ctx, 'PatrolTeam', team.readArray(row.t));
    if (plan.teamOrganization) keep(ctx, 'Organization', organization.readArray(row.o));
    const r = plan.route ? route.readArray(row.r) : null;
    if (r) {
      keep(ctx, 'Route', r);
      if (plan.checkpoints) {
        const checkpoints = ((row.checkpoints ?? []) as (string | null)[][]).map((values) => checkpoint.readArray(values)!);
        for (const c of checkpoints) keep(ctx, 'Checkpoint', c);
        checkpointIdsByRouteId(ctx).prime(r.id, checkpoints.map((c) => c.id));
        keepPlanned(ctx, 'Route.checkpoints', r.id, checkpoints);
      }
    }
    return p;
  });
  return withLazyCursors({ items, hasNextPage: rows.length > first, hasPreviousPage: Boolean(args.after), count }, (p) =>
    encodeCursor([p.plannedStart.toISOString(), p.id]),
  );
}

function keep<T extends { id: string }>(ctx: AppContext, kind: string, row: T | null): void {
  if (row) keepPlanned(ctx, kind, row.id, row);
}
