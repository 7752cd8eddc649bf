import type { GraphQLResolveInfo } from 'graphql';
import type { AppContext } from '../../shared/context';
import { entityColumns } from '../../shared/read-plan/columns';
import { keepPlanned } from '../../shared/read-plan/planned';
import { connectionNodes, subFields } from '../../shared/read-plan/selection';
import { encodeCursor, pageSize, withLazyCursors, type ConnectionArgs } from '../../shared/relay/connection';
import { Area } from '../area/area.entity';
import { Organization } from '../organization/organization.entity';
import { User } from '../user/user.entity';
import { Case, CaseFollower } from './case.entity';
import { caseListStatements, counted, filterConditions, readCursor, type CaseFilter, type Conditions, type CountedPage } from './case.lists';
import { caseFollowersByCaseId, coveringJurisdictions, jurisdictionOrganizationIdsByAreaId } from './case.loaders';
import { SqlParams, caseScope, visibleCaseSql, type CaseScope } from './case.scope';
import { factsOf } from './case.service';

/**
 * A page of `cases` read as a whole: the page's statement (the walk, or the
 * collecting statement when the walk comes up short, both as `listCases`
 * runs them, so visibility and the index-driven plan are theirs) wrapped in
 * one statement that also joins what the selection asks of the page's
 * cases: area, leader, handler, responsible and supervising organisation,
 * with the entities' columns only (never a password hash). A viewer who is
 * not a platform admin also gets the facts the access rule reads
 * (jurisdiction over the area, followers), so that leader, handler and the
 * other guarded fields decide without a statement of their own. Rows are kept
 * for this request: the by-id loaders and the fact loaders answer from them,
 * field resolvers are unchanged and still apply their policies; whatever is
 * not planned falls back to the loaders.
 */
interface Plan {
  area: boolean;
  leader: boolean;
  handler: boolean;
  responsibleOrganization: boolean;
  supervisingOrganization: boolean;
  /** A field whose resolver asks `accessTo` (which reads jurisdiction and followers) is selected. */
  facts: boolean;
}

/** Case fields whose resolvers decide through `accessTo` or `caseFacts`. */
const GUARDED = new Set(['leader', 'handler', 'viewerSeesInternal', 'reporter', 'reporterContact', 'escalatedAt', 'patrolId', 'timeline', 'illegalConstruction']);

function planOf(info: GraphQLResolveInfo): Plan {
  const fields = new Set(subFields(info, connectionNodes(info, info.fieldNodes)).map((f) => f.name.value));
  return {
    area: fields.has('area'),
    leader: fields.has('leader'),
    handler: fields.has('handler'),
    responsibleOrganization: fields.has('responsibleOrganization'),
    supervisingOrganization: fields.has('supervisingOrganization'),
    facts: [...fields].some((f) => GUARDED.has(f)),
  };
}

/** The cases page, planned; null when planning is off (the caller takes the resolver-by-resolver path). */
export async function readCasesPlanned(ctx: AppContext, filter: CaseFilter, args: ConnectionArgs, info: GraphQLResolveInfo): Promise<CountedPage<Case> | null> {
  if (!ctx.app.config.readPlan) return null;
  const first = pageSize(args.first);
  const cursor = readCursor(args.after);
  const scope = await caseScope(ctx);
  const conditions = await filterConditions(ctx, scope, filter);
  const count = counted(ctx, conditions);
  if (first === 0) return { items: [], cursors: [], hasNextPage: false, hasPreviousPage: Boolean(cursor), ...count };

  const plan = planOf(info);
  const db = ctx.app.db;
  const cases = entityColumns(db, Case);
  const { walk, collect } = pageStatements(ctx, plan, scope, conditions, cursor, first + 1);
  let rows = await db.query(...walk);
  if (rows.length <= first && collect) rows = await db.query(...collect);

  const areas = entityColumns(db, Area);
  const users = entityColumns(db, User);
  const organizations = entityColumns(db, Organization);
  const followers = entityColumns(db, CaseFollower);
  const items = (rows as Record<string, unknown>[]).slice(0, first).map((row) => {
    const record = cases.read(row, '')!;
    keepPlanned(ctx, 'Case', record.id, record);
    const keep = (kind: string, value: { id: string } | null) => value && keepPlanned(ctx, kind, value.id, value);
    if (plan.area) keep('Area', areas.read(row, 'a_'));
    if (plan.leader) keep('User', users.read(row, 'l_'));
    if (plan.handler) keep('User', users.read(row, 'h_'));
    if (plan.responsibleOrganization) keep('Organization', organizations.read(row, 'ro_'));
    if (plan.supervisingOrganization) keep('Organization', organizations.read(row, 'so_'));
    if ('fact_jurisdiction' in row) {
      const jurisdiction = row.fact_jurisdiction as string[];
      const caseFollowers = (row.fact_followers as (string | null)[][]).map((f) => followers.readArray(f)!);
      jurisdictionOrganizationIdsByAreaId(ctx).prime(record.areaId, jurisdiction);
      caseFollowersByCaseId(ctx).prime(record.id, caseFollowers);
      // The access rule decides on these at once (knownAccess), without a promise per guarded field.
      keepPlanned(ctx, 'Case.facts', record.id, factsOf(record, jurisdiction, caseFollowers));
    }
    return record;
  });
  const page = withLazyCursors({ items, hasNextPage: rows.length > first, hasPreviousPage: Boolean(cursor), ...count }, (c) => encodeCursor([c.reportedAt.toISOString(), c.id]));
  return page as CountedPage<Case>;
}

/** The walk and collecting statements of a page as `listCases` has them, each wrapped with what the plan joins. */
function pageStatements(ctx: AppContext, plan: Plan, scope: CaseScope, conditions: Conditions, cursor: [string, string] | null, limit: number) {
  const columns = entityColumns(ctx.app.db, Case).select('c', '');
  const { walk, collect } = caseListStatements(conditions, cursor, limit, columns);
  return {
    walk: wrap(ctx, plan, scope, walk),
    collect: collect && wrap(ctx, plan, scope, [`SELECT ${columns} FROM case_record c WHERE c.id IN (SELECT id FROM (${collect[0]}) found)`, collect[1]]),
  };
}

/** Every relation and the access facts: the widest planned statements of a first page, for the plan guard test. */
export async function plannedCaseListStatements(ctx: AppContext, filter: CaseFilter, first = 20): Promise<[string, unknown[]][]> {
  const plan: Plan = { area: true, leader: true, handler: true, responsibleOrganization: true, supervisingOrganization: true, facts: true };
  const scope = await caseScope(ctx);
  const { walk, collect } = pageStatements(ctx, plan, scope, await filterConditions(ctx, scope, filter), null, first + 1);
  return collect ? [walk, collect] : [walk];
}

/**
 * The page's statement as a materialised CTE (planned as it is planned
 * alone), joined to what the plan asks for, in list order. Leader and handler
 * are read only where the viewer sees the whole case, the rule their
 * resolvers apply (visibility without the reporter branches).
 */
function wrap(ctx: AppContext, plan: Plan, scope: CaseScope, [pageSql, pageValues]: [string, unknown[]]): [string, unknown[]] {
  const db = ctx.app.db;
  const p = new SqlParams();
  p.values.push(...pageValues);
  const select = [entityColumns(db, Case).select('c', '')];
  const joins: string[] = [];
  const areas = entityColumns(db, Area);
  const users = entityColumns(db, User);
  const organizations = entityColumns(db, Organization);
  const facts = plan.facts && !scope.all;
  if (plan.area || facts) joins.push('LEFT JOIN area a ON a.id = c.area_id');
  if (plan.area) select.push(areas.select('a', 'a_'));
  if (plan.leader || plan.handler) {
    const whole = visibleCaseSql(scope, p.bind, 'filter', { asReporter: false });
    if (whole !== 'TRUE') joins.push(`CROSS JOIN LATERAL (SELECT ${whole} AS whole) v`);
    const guard = whole === 'TRUE' ? '' : ' AND v.whole';
    if (plan.leader) {
      select.push(users.select('l', 'l_'));
      joins.push(`LEFT JOIN app_user l ON l.id = c.leader_user_id${guard}`);
    }
    if (plan.handler) {
      select.push(users.select('h', 'h_'));
      joins.push(`LEFT JOIN app_user h ON h.id = c.handler_user_id${guard}`);
    }
  }
  if (plan.responsibleOrganization) {
    select.push(organizations.select('ro', 'ro_'));
    joins.push('LEFT JOIN organization ro ON ro.id = c.responsible_organization_id');
  }
  if (plan.supervisingOrganization) {
    select.push(organizations.select('so', 'so_'));
    joins.push('LEFT JOIN organization so ON so.id = c.supervising_organization_id');
  }
  if (facts) {
    // What jurisdictionOrganizationIdsByAreaId and caseFollowersByCaseId would read, for the access rule in JS.
    select.push(`ARRAY(SELECT DISTINCT j.organization_id::text FROM ${coveringJurisdictions('a')}) AS fact_jurisdiction`);
    select.push(`COALESCE((SELECT json_agg(${entityColumns(db, CaseFollower).array('f')}) FROM case_follower f WHERE f.case_id = c.id), '[]'::json) AS fact_followers`);
  }
  return [
    `WITH page AS MATERIALIZED (${pageSql})
     SELECT ${select.join(', ')}
       FROM page c
       ${joins.join('\n       ')}
      ORDER BY c.reported_at DESC, c.id DESC`,
    p.values,
  ];
}
