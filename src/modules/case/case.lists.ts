import { In } from 'typeorm';
import type { AppContext } from '../../shared/context';
import { clock } from '../../shared/clock';
import { decodeCursor, encodeCursor, memo, pageSize, type ConnectionArgs, type Page } from '../../shared/relay/connection';
import { badUserInput } from '../../shared/errors';
import { areasById } from '../area/area.loaders';
import { Case, CaseCategory, CaseChannel, CaseStatus } from './case.entity';
import { casesById } from './case.loaders';
import { SqlParams, areaInSubtrees, caseScope, visibleCaseSql, type Bind, type CaseScope, type Form } from './case.scope';
import { NO_MATCH } from '../../shared/relay/global-id';

/**
 * Case lists at city scale. Cost grows with what the viewer may see, not
 * with the platform:
 * - newest first by `reported_at DESC, id DESC` (indexed), keyset cursors
 *   holding both, so pages stay stable while cases are reported;
 * - a page is first looked for on a bounded walk of the newest cases
 *   (WALK_WINDOW rows in list order, filtered): a viewer who may see a fair
 *   share of the city finds a page there at a cost independent of the city;
 *   when the walk comes up short the matching set is small or sparse, and is
 *   collected through the indexes of the visibility branches and filters;
 * - `totalCount` is exact up to COUNT_BOUND; beyond it, the planner's
 *   estimate, never below COUNT_BOUND + 1, and `totalCountIsExact` is false.
 */
export const WALK_WINDOW = 3000;
export const COUNT_BOUND = 1000;

/** Statuses of open cases, spelt like the predicate of the partial indexes on open cases. */
export const OPEN_SQL = `('REPORTED','TRIAGED','ASSIGNED','IN_PROGRESS','REOPENED')`;

export interface CaseFilter {
  withinAreaId?: string | null;
  categories?: CaseCategory[] | null;
  statuses?: CaseStatus[] | null;
  channels?: CaseChannel[] | null;
  overdue?: boolean | null;
  assignedToMe?: boolean | null;
  myOrganizations?: boolean | null;
  supervised?: boolean | null;
  /** Only cases changed at or after this time (partners catching up by polling). */
  updatedSince?: Date | null;
}

export interface CountedPage<T> extends Page<T> {
  /** Whether `count()` is exact (false: an estimate above COUNT_BOUND). */
  countIsExact: () => Promise<boolean>;
}

/** The conditions of a list besides the cursor, in one form. */
export type Conditions = (bind: Bind, form: Form) => string[];

export async function filterConditions(ctx: AppContext, scope: CaseScope, filter: CaseFilter): Promise<Conditions> {
  const within = filter.withinAreaId ? await areasById(ctx).load(filter.withinAreaId) : null;
  const now = clock.now();
  return (bind, form) => {
    const where = [visibleCaseSql(scope, bind, form)];
    if (filter.withinAreaId) where.push(within ? areaInSubtrees([within.path], bind, form) : 'FALSE');
    if (filter.categories?.length) where.push(`c.category = ANY(${bind(filter.categories)}::text[])`);
    if (filter.statuses?.length) where.push(`c.status = ANY(${bind(filter.statuses)}::text[])`);
    if (filter.channels?.length) where.push(`c.channel = ANY(${bind(filter.channels)}::text[])`);
    if (filter.overdue === true) where.push(`c.status IN ${OPEN_SQL} AND c.due_at < ${bind(now)}`);
    if (filter.overdue === false) where.push(`NOT (c.status IN ${OPEN_SQL} AND c.due_at < ${bind(now)})`);
    if (filter.assignedToMe) {
      const me = bind(scope.userId ?? NO_MATCH);
      where.push(`(c.handler_user_id = ${me}::uuid OR c.leader_user_id = ${me}::uuid)`);
    }
    if (filter.myOrganizations) where.push(`c.responsible_organization_id = ANY(${bind(scope.organizationIds)}::uuid[])`);
    if (filter.supervised === true) where.push('c.supervising_organization_id IS NOT NULL');
    if (filter.supervised === false) where.push('c.supervising_organization_id IS NULL');
    if (filter.updatedSince) where.push(`c.updated_at >= ${bind(filter.updatedSince)}`);
    return where;
  };
}

export function readCursor(after: string | null | undefined): [string, string] | null {
  if (!after) return null;
  const [at, id] = decodeCursor(after, 2);
  if (typeof at !== 'string' || Number.isNaN(Date.parse(at)) || typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id)) throw badUserInput('after is not a valid cursor');
  return [at, id];
}

/**
 * The statements of a page of `cases`, newest first; exported for the plan guard test. The walk's output list
 * (`select`, over the walked rows as `c`) does not change its plan: a planned read takes the page's columns from it.
 * `params`: bind both statements' parameters there (to embed them in a larger statement), not in their own.
 */
export function caseListStatements(
  conditions: Conditions,
  cursor: [string, string] | null,
  limit: number,
  select = 'c.id',
  params?: SqlParams,
): { walk: [string, unknown[]]; collect: [string, unknown[]] | null } {
  const walk = params ?? new SqlParams();
  const walkCursor = cursor ? `WHERE (c.reported_at, c.id) < (${walk.bind(cursor[0])}::timestamptz, ${walk.bind(cursor[1])}::uuid)` : '';
  const window = walk.bind(WALK_WINDOW);
  const walkWhere = conditions(walk.bind, 'filter');
  const walkSql = `
    SELECT ${select} FROM (SELECT c.* FROM case_record c ${walkCursor} ORDER BY c.reported_at DESC, c.id DESC LIMIT ${window}) c
     WHERE ${walkWhere.join('\n       AND ')}
     ORDER BY c.reported_at DESC, c.id DESC LIMIT ${walk.bind(limit)}`;

  // Nothing to filter (a platform admin's whole list): the walk is the answer.
  if (isEverything(conditions)) return { walk: [walkSql, walk.values], collect: null };
  const collect = params ?? new SqlParams();
  const where = conditions(collect.bind, 'index');
  if (cursor) where.push(`(c.reported_at, c.id) < (${collect.bind(cursor[0])}::timestamptz, ${collect.bind(cursor[1])}::uuid)`);
  // Materialized: the matching set is collected through the indexes first, never by walking the whole table in order.
  const collectSql = `
    WITH m AS MATERIALIZED (SELECT c.id, c.reported_at FROM case_record c WHERE ${where.join('\n       AND ')})
    SELECT id FROM m ORDER BY reported_at DESC, id DESC LIMIT ${collect.bind(limit)}`;
  return { walk: [walkSql, walk.values], collect: [collectSql, collect.values] };
}

function isEverything(conditions: Conditions): boolean {
  return conditions(() => 'NULL', 'index').every((c) => c === 'TRUE');
}

/** Counting and estimating statements of a list; exported for the plan guard test. */
export function caseCountStatements(conditions: Conditions): { count: [string, unknown[]]; estimate: [string, unknown[]] } {
  const count = new SqlParams();
  // Everything: counted along the list's index up to the bound (a plain LIMIT would read the table itself).
  const countSql = isEverything(conditions)
    ? `SELECT count(*)::int AS n FROM (SELECT 1 FROM case_record c ORDER BY c.reported_at DESC, c.id DESC LIMIT ${count.bind(COUNT_BOUND + 1)}) x`
    : `SELECT count(*)::int AS n FROM (SELECT 1 FROM case_record c WHERE ${conditions(count.bind, 'index').join(' AND ')} LIMIT ${count.bind(COUNT_BOUND + 1)}) x`;
  const estimate = new SqlParams();
  const estimateSql = `EXPLAIN (FORMAT JSON) SELECT 1 FROM case_record c WHERE ${conditions(estimate.bind, 'index').join(' AND ')}`;
  return { count: [countSql, count.values], estimate: [estimateSql, estimate.values] };
}

async function loadInOrder(ctx: AppContext, ids: string[]): Promise<Case[]> {
  if (!ids.length) return [];
  const rows = await ctx.app.db.getRepository(Case).findBy({ id: In(ids) });
  const byId = new Map(rows.map((r) => [r.id, r]));
  const loader = casesById(ctx);
  return ids.flatMap((id) => {
    const row = byId.get(id);
    if (!row) return [];
    loader.prime(id, row);
    return [row];
  });
}

export function counted(ctx: AppContext, conditions: Conditions): { count: () => Promise<number>; countIsExact: () => Promise<boolean> } {
  const result = memo(async () => {
    const { count, estimate } = caseCountStatements(conditions);
    const [{ n }] = await ctx.app.db.query(count[0], count[1]);
    if (n <= COUNT_BOUND) return { n, exact: true };
    const [{ 'QUERY PLAN': plan }] = await ctx.app.db.query(estimate[0], estimate[1]);
    const rows = Number((typeof plan === 'string' ? JSON.parse(plan) : plan)[0]?.Plan?.['Plan Rows'] ?? 0);
    return { n: Math.max(COUNT_BOUND + 1, Math.round(rows)), exact: false };
  });
  return { count: async () => (await result()).n, countIsExact: async () => (await result()).exact };
}

/** Every statement a first page of `cases` with its totalCount may run, in order; for the plan guard test. */
export async function caseListPlanStatements(ctx: AppContext, filter: CaseFilter, first = 20): Promise<[string, unknown[]][]> {
  const conditions = await filterConditions(ctx, await caseScope(ctx), filter);
  const { walk, collect } = caseListStatements(conditions, null, first + 1);
  const { count, estimate } = caseCountStatements(conditions);
  return collect ? [walk, collect, count, estimate] : [walk, count, estimate];
}

export async function listCases(ctx: AppContext, filter: CaseFilter, args: ConnectionArgs): Promise<CountedPage<Case>> {
  const first = pageSize(args.first);
  const cursor = readCursor(args.after);
  const scope = await caseScope(ctx);
  const conditions = await filterConditions(ctx, scope, filter);
  let ids: string[] = [];
  if (first > 0) {
    const { walk, collect } = caseListStatements(conditions, cursor, first + 1);
    ids = (await ctx.app.db.query(walk[0], walk[1])).map((r: { id: string }) => r.id);
    if (ids.length <= first && collect) ids = (await ctx.app.db.query(collect[0], collect[1])).map((r: { id: string }) => r.id);
  }
  const rows = await loadInOrder(ctx, ids);
  const items = rows.slice(0, first);
  return {
    items,
    cursors: items.map((c) => encodeCursor([c.reportedAt.toISOString(), c.id])),
    hasNextPage: rows.length > first,
    hasPreviousPage: Boolean(cursor),
    ...counted(ctx, conditions),
  };
}

function queueConditions(scope: CaseScope): Conditions {
  return (bind, form) => {
    const me = bind(scope.userId ?? NO_MATCH);
    const mine = [`c.handler_user_id = ${me}::uuid`, `c.leader_user_id = ${me}::uuid`];
    if (scope.actingJurisdictionPaths.length) {
      mine.push(`(c.status IN ${UNTRIAGED_SQL} AND ${areaInSubtrees(scope.actingJurisdictionPaths, bind, 'index')})`);
    }
    return [`c.status IN ${OPEN_SQL}`, `(${mine.join(' OR ')})`, visibleCaseSql(scope, bind, form)];
  };
}

/** Statuses of cases waiting for triage or assignment, spelt like the predicate of case_record_untriaged_due_idx. */
const UNTRIAGED_SQL = `('REPORTED','TRIAGED','REOPENED')`;

function queueStatement(conditions: Conditions, cursor: [string, string] | null, limit: number): [string, unknown[]] {
  const params = new SqlParams();
  const where = conditions(params.bind, 'filter');
  if (cursor) where.push(`(c.due_at, c.id) > (${params.bind(cursor[0])}::timestamptz, ${params.bind(cursor[1])}::uuid)`);
  return [`SELECT c.id FROM case_record c WHERE ${where.join('\n AND ')} ORDER BY c.due_at, c.id LIMIT ${params.bind(limit)}`, params.values];
}

/**
 * A page of the queue without reading the whole dispatch backlog of a
 * jurisdiction (which grows with the city): the viewer's own open cases
 * (handler or leader, few) plus the first `limit` untriaged cases of the
 * acting jurisdictions found on a walk of the city's untriaged cases in due
 * order (the first WALK_WINDOW rows of case_record_untriaged_due_idx, index
 * only: a constant cost, the planner reads the window whole); the full
 * conditions are then applied to those candidates only. Complete when the
 * walk found `limit` cases or the untriaged cases past the cursor are fewer
 * than WALK_WINDOW; otherwise the caller runs `queueStatement`. The untriaged
 * candidates need no visibility check of their own: acting jurisdictions are
 * among the jurisdictions that make a case visible.
 */
export function queueWalkStatement(scope: CaseScope, conditions: Conditions, cursor: [string, string] | null, limit: number): [string, unknown[]] | null {
  if (!scope.actingJurisdictionPaths.length) return null;
  const p = new SqlParams();
  const after = (alias: string) => (cursor ? `AND (${alias}.due_at, ${alias}.id) > (${p.bind(cursor[0])}::timestamptz, ${p.bind(cursor[1])}::uuid)` : '');
  const n = p.bind(limit);
  const window = p.bind(WALK_WINDOW);
  const untriaged = () => `SELECT c.id, c.due_at, c.area_id FROM case_record c WHERE c.status IN ${UNTRIAGED_SQL} ${after('c')} ORDER BY c.due_at, c.id LIMIT ${window}`;
  const inJurisdiction = areaInSubtrees(scope.actingJurisdictionPaths, p.bind, 'filter', 'w.area_id');
  const me = p.bind(scope.userId ?? NO_MATCH);
  const visible = visibleCaseSql(scope, p.bind, 'filter');
  const mineAfter = after('c');
  const where = conditions(p.bind, 'filter');
  // Only when the walk finds fewer than `limit` is the window counted (lazily), to tell "no more" from "not found yet".
  return [
    `WITH found AS MATERIALIZED (SELECT w.id FROM (${untriaged()}) w WHERE ${inJurisdiction} ORDER BY w.due_at, w.id LIMIT ${n}),
     mine AS (SELECT c.id FROM case_record c
               WHERE c.status IN ${OPEN_SQL} AND (c.handler_user_id = ${me}::uuid OR c.leader_user_id = ${me}::uuid) AND ${visible} ${mineAfter}
               ORDER BY c.due_at, c.id LIMIT ${n})
     SELECT c.id, CASE WHEN (SELECT count(*) FROM found) >= ${n} THEN TRUE ELSE (SELECT count(*) FROM (${untriaged()}) x) < ${window} END AS complete
       FROM case_record c
      WHERE c.id = ANY(ARRAY(SELECT id FROM mine UNION ALL SELECT id FROM found))
        AND ${where.join('\n AND ')}
      ORDER BY c.due_at, c.id LIMIT ${n}`,
    p.values,
  ];
}

/** The statements of a first page of `myCaseQueue` with its totalCount; for the plan guard test. */
export async function queuePlanStatements(ctx: AppContext, first = 20): Promise<[string, unknown[]][]> {
  const scope = await caseScope(ctx);
  const conditions = queueConditions(scope);
  const { count, estimate } = caseCountStatements(conditions);
  const walk = queueWalkStatement(scope, conditions, null, first + 1);
  return [...(walk ? [walk] : []), queueStatement(conditions, null, first + 1), count, estimate];
}

/**
 * What the viewer should act on, most urgent first (`due_at, id`): open
 * cases they lead or handle, and cases waiting for triage or assignment in
 * the jurisdiction of an organisation they act for. Open cases only, through
 * the partial indexes on open cases.
 */
export async function listMyQueue(ctx: AppContext, args: ConnectionArgs): Promise<CountedPage<Case>> {
  const first = pageSize(args.first);
  let cursor: [string, string] | null = null;
  if (args.after) {
    const [due, id] = decodeCursor(args.after, 2);
    if (typeof due !== 'string' || Number.isNaN(Date.parse(due)) || typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id)) throw badUserInput('after is not a valid cursor');
    cursor = [due, id];
  }
  const scope = await caseScope(ctx);
  const conditions = queueConditions(scope);
  let ids: string[] = [];
  if (first > 0) {
    const walk = queueWalkStatement(scope, conditions, cursor, first + 1);
    const walked: { id: string; complete: boolean }[] | null = walk ? await ctx.app.db.query(walk[0], walk[1]) : null;
    if (walked?.length && walked[0].complete) ids = walked.map((r) => r.id);
    else {
      const [sql, values] = queueStatement(conditions, cursor, first + 1);
      ids = (await ctx.app.db.query(sql, values)).map((r: { id: string }) => r.id);
    }
  }
  const rows = await loadInOrder(ctx, ids);
  const items = rows.slice(0, first);
  return {
    items,
    cursors: items.map((c) => encodeCursor([c.dueAt.toISOString(), c.id])),
    hasNextPage: rows.length > first,
    hasPreviousPage: Boolean(cursor),
    ...counted(ctx, conditions),
  };
}
