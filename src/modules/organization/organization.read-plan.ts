import { types } from 'pg';
import type { GraphQLObjectType, GraphQLResolveInfo } from 'graphql';
import type { AppContext } from '../../shared/context';
import { decodeCursor, encodeCursor, memo, pageSize, withLazyCursors, type ConnectionArgs, type Page } from '../../shared/relay/connection';
import { connectionNodes, pageable, sameArguments, subFields } from '../../shared/read-plan/selection';
import { attachPlanned, keepPlanned } from '../../shared/read-plan/planned';
import { Area } from '../area/area.entity';
import { escapeLike, subtreePattern } from '../area/area.service';
import { Membership } from '../membership/membership.entity';
import { membershipsByOrganizationId } from '../membership/membership.loaders';
import { User } from '../user/user.entity';
import { Organization } from './organization.entity';
import type { OrganizationFilter } from './organization.service';

/**
 * The organisation directory read as a whole: one statement for the page,
 * its home areas and their parents (joins), and each organisation's first
 * members with their users (a LATERAL join), with only the columns the
 * entities carry (never a password hash). Rows become plain objects on the
 * entities' prototypes (no ORM hydration), kept for this request: field
 * resolvers and the by-id loaders find them there; anything the plan does not
 * cover falls back to those loaders.
 */
interface Plan {
  homeArea: boolean;
  homeAreaParent: boolean;
  /** Arguments of the nested `members` page, when one page of it is asked for. */
  members: ConnectionArgs | null;
  memberUser: boolean;
  /** Only id/displayName asked of members' users: read those two columns, for that position only. */
  memberUserNameOnly: boolean;
}

/** User fields served by the two columns id and display_name. */
const NAME_ONLY = new Set(['id', '__typename', 'displayName']);

function planOf(info: GraphQLResolveInfo): Plan {
  const nodes = connectionNodes(info, info.fieldNodes);
  const homeArea = subFields(info, nodes, 'homeArea');
  const members = subFields(info, nodes, 'members');
  const membersDef = (info.schema.getType('Organization') as GraphQLObjectType).getFields().members;
  const membersArgs = members.length ? sameArguments(info, membersDef, members) : null;
  const memberUsers = subFields(info, connectionNodes(info, members), 'user');
  return {
    homeArea: homeArea.length > 0,
    homeAreaParent: subFields(info, homeArea, 'parent').length > 0,
    members: pageable(membersArgs as ConnectionArgs | null, 2),
    memberUser: memberUsers.length > 0,
    memberUserNameOnly: memberUsers.length > 0 && subFields(info, memberUsers).every((f) => NAME_ONLY.has(f.name.value)),
  };
}

const parseTimestamp = types.getTypeParser(1184) as (text: string) => Date;

const ORGANIZATION = `o.id, o.name, o.kind, o.description, o.home_area_id, o.parent_id, o.version, o.created_at, o.updated_at`;
const areaColumns = (alias: string) =>
  ['id', 'name', 'kind', 'code', 'parent_id', 'path', 'depth', 'created_at'].map((c) => `${alias}.${c} AS ${alias}_${c}`).join(', ');

function organization(row: any): Organization {
  return Object.assign(Object.create(Organization.prototype), {
    id: row.id, name: row.name, kind: row.kind, description: row.description, homeAreaId: row.home_area_id,
    parentId: row.parent_id, version: row.version, createdAt: row.created_at, updatedAt: row.updated_at,
  });
}

function area(row: any, alias: string): Area {
  return Object.assign(Object.create(Area.prototype), {
    id: row[`${alias}_id`], name: row[`${alias}_name`], kind: row[`${alias}_kind`], code: row[`${alias}_code`],
    parentId: row[`${alias}_parent_id`], path: row[`${alias}_path`], depth: row[`${alias}_depth`], createdAt: row[`${alias}_created_at`],
  });
}

/** A member from the LATERAL's JSON; timestamps travel as PostgreSQL text and parse as the driver would. */
function membership(json: any, nameOnly: boolean): { membership: Membership; user: User | null } {
  const m: Membership = Object.assign(Object.create(Membership.prototype), {
    id: json.id, userId: json.user_id, organizationId: json.organization_id, role: json.role, createdAt: new Date(json.created_ms),
  });
  if (nameOnly) return { membership: m, user: json.u_id ? Object.assign(Object.create(User.prototype), { id: json.u_id, displayName: json.u_display_name }) : null };
  const user: User | null = json.u_id
    ? Object.assign(Object.create(User.prototype), {
        id: json.u_id, email: json.u_email, displayName: json.u_display_name, isPlatformAdmin: json.u_is_platform_admin,
        disabledAt: json.u_disabled_at === null ? null : parseTimestamp(json.u_disabled_at), createdAt: parseTimestamp(json.u_created_at),
      })
    : null;
  return { membership: m, user };
}

/** Keeps a planned row for synchronous field resolvers and for the by-id loaders. */
function keep<T extends { id: string }>(ctx: AppContext, kind: string, row: T): void {
  keepPlanned(ctx, kind, row.id, row);
}

/** Key of a planned members page: the parent and the page arguments as the loader normalises them. */
export function plannedPageKey(parentId: string, args: ConnectionArgs): string {
  return `${parentId}|${pageSize(args.first)}|${args.after ?? ''}`;
}

/** The directory page, planned; null when planning is off (the caller takes the resolver-by-resolver path). */
export async function readOrganizationsPlanned(ctx: AppContext, filter: OrganizationFilter, args: ConnectionArgs, info: GraphQLResolveInfo): Promise<Page<Organization> | null> {
  if (!ctx.app.config.readPlan) return null;
  const plan = planOf(info);
  const first = pageSize(args.first);
  const params: unknown[] = [];
  const bind = (value: unknown) => (params.push(value), `$${params.length}`);

  const where: string[] = [];
  if (filter.kinds?.length) where.push(`o.kind = ANY(${bind(filter.kinds)})`);
  if (filter.parentId) where.push(`o.parent_id = ${bind(filter.parentId)}`);
  if (filter.search) where.push(`o.name ILIKE ${bind(`%${escapeLike(filter.search)}%`)} ESCAPE '\\'`);
  if (filter.withinAreaId) {
    where.push(`EXISTS (SELECT 1 FROM area home WHERE home.id = o.home_area_id AND home.path LIKE ${bind(await subtreePattern(ctx, filter.withinAreaId))})`);
  }
  const filterSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const filterParams = [...params];
  const count = memo(async () => Number((await ctx.app.db.query(`SELECT count(*) AS n FROM organization o ${filterSql}`, filterParams))[0].n));
  if (first === 0) return { items: [], cursors: [], hasNextPage: false, hasPreviousPage: Boolean(args.after), count };

  const pageWhere = [...where];
  if (args.after) {
    const [name, id] = decodeCursor(args.after, 2);
    pageWhere.push(`(o.name, o.id) > (${bind(name)}, ${bind(id)})`);
  }
  const select = [ORGANIZATION];
  const joins: string[] = [];
  if (plan.homeArea) {
    select.push(areaColumns('h'));
    joins.push('LEFT JOIN area h ON h.id = o.home_area_id');
    if (plan.homeAreaParent) {
      select.push(areaColumns('hp'));
      joins.push('LEFT JOIN area hp ON hp.id = h.parent_id');
    }
  }
  const members = plan.members;
  if (members) {
    const memberFirst = pageSize(members.first);
    // The policy of the members field (canSeeMembers), in SQL: other organisations' members are not read at all.
    const visible = ctx.viewer.isPlatformAdmin ? 'true' : `x.organization_id = ANY(${bind(ctx.viewer.organizationIds)}::uuid[])`;
    let memberAfter = '';
    if (members.after) {
      const [createdAt, id] = decodeCursor(members.after, 2);
      memberAfter = `AND (x.created_at, x.id) > (${bind(createdAt)}::timestamptz, ${bind(id)}::uuid)`;
    }
    const user = plan.memberUserNameOnly
      ? `, 'u_id', u.id, 'u_display_name', u.display_name`
      : plan.memberUser
      ? `, 'u_id', u.id, 'u_email', u.email, 'u_display_name', u.display_name, 'u_is_platform_admin', u.is_platform_admin, 'u_disabled_at', u.disabled_at::text, 'u_created_at', u.created_at::text`
      : '';
    select.push('m.members');
    joins.push(`LEFT JOIN LATERAL (
      SELECT json_agg(json_build_object('id', x.id, 'user_id', x.user_id, 'organization_id', x.organization_id, 'role', x.role, 'created_ms', floor(extract(epoch FROM x.created_at) * 1000)${user}) ORDER BY x.created_at, x.id) AS members
        FROM (SELECT x.* FROM membership x WHERE x.organization_id = o.id AND ${visible} ${memberAfter} ORDER BY x.created_at, x.id LIMIT ${bind(memberFirst + 1)}) x
        ${plan.memberUser ? 'JOIN app_user u ON u.id = x.user_id' : ''}
    ) m ON true`);
  }
  const rows: any[] = await ctx.app.db.query(
    `SELECT ${select.join(', ')}
       FROM (SELECT o.* FROM organization o ${pageWhere.length ? `WHERE ${pageWhere.join(' AND ')}` : ''} ORDER BY o.name, o.id LIMIT ${bind(first + 1)}) o
       ${joins.join('\n')}
      ORDER BY o.name, o.id`,
    params,
  );

  const items = rows.slice(0, first).map((row) => {
    const org = organization(row);
    keep(ctx, 'Organization', org);
    if (plan.homeArea && row.h_id) keep(ctx, 'Area', area(row, 'h'));
    if (plan.homeAreaParent && row.hp_id) keep(ctx, 'Area', area(row, 'hp'));
    if (members && (ctx.viewer.isPlatformAdmin || ctx.viewer.isMemberOf(org.id))) {
      const page = (row.members ?? []).map((json: unknown) => membership(json, plan.memberUserNameOnly));
      for (const { membership: m, user } of page) {
        if (plan.memberUserNameOnly) {
          // The loaders get a copy without the partial user; the page's membership carries it.
          keep(ctx, 'Membership', Object.assign(Object.create(Membership.prototype), m));
          if (user) attachPlanned(m, 'user', user);
        } else {
          keep(ctx, 'Membership', m);
          if (user) keep(ctx, 'User', user);
        }
      }
      const primed = membershipsByOrganizationId.prime(ctx, org.id, members, page.map((p: { membership: Membership }) => p.membership));
      keepPlanned(ctx, 'Organization.members', plannedPageKey(org.id, members), primed);
    }
    return org;
  });
  return withLazyCursors({ items, hasNextPage: rows.length > first, hasPreviousPage: Boolean(args.after), count }, (o) => encodeCursor([o.name, o.id]));
}
