import type { AppContext } from '../../shared/context';
import { MemberRole } from '../../shared/auth/roles';
import type { Viewer } from '../../shared/auth/viewer';
import { escapeLike } from '../area/area.service';

/**
 * The case visibility rule of `case.policy.ts`, for lists: the same rule,
 * written as a union of conditions that each have an index (assigned
 * organisation, supervising organisation, area in a jurisdiction subtree,
 * reporter, follower), so a list costs what the viewer may see rather than
 * what the platform holds. The differential test (test/case-lists.test.ts)
 * holds the two to the same answer.
 */
export interface CaseScope {
  /** Platform admins see every case. */
  all: boolean;
  userId: string | null;
  organizationIds: string[];
  /** Materialized paths of the areas the viewer's organisations hold jurisdiction over (subtree roots). */
  jurisdictionPaths: string[];
  /** The same, for organisations the viewer acts for (not as OBSERVER): the queue's dispatch work. */
  actingJurisdictionPaths: string[];
}

/** Binds a value as a statement parameter and returns its placeholder (`$3`, or `:p3` for a query builder). */
export type Bind = (value: unknown) => string;

/** Positional parameters for raw statements. */
export class SqlParams {
  readonly values: unknown[] = [];
  readonly bind: Bind = (value) => {
    this.values.push(value);
    return `$${this.values.length}`;
  };
}

/** Named parameters for a TypeORM query builder. */
export class NamedParams {
  readonly values: Record<string, unknown> = {};
  private next = 0;
  constructor(private readonly prefix: string) {}
  readonly bind: Bind = (value) => {
    const name = `${this.prefix}${this.next++}`;
    this.values[name] = value;
    return `:${name}`;
  };
}

const scopes = new WeakMap<Viewer, Promise<CaseScope>>();

/** The viewer's scope, read once per viewer object (a request, or one delivered event). */
export function caseScope(ctx: AppContext): Promise<CaseScope> {
  const viewer = ctx.viewer;
  let scope = scopes.get(viewer);
  if (!scope) {
    scope = loadScope(ctx, viewer);
    scopes.set(viewer, scope);
  }
  return scope;
}

async function loadScope(ctx: AppContext, viewer: Viewer): Promise<CaseScope> {
  const organizationIds = viewer.organizationIds;
  const rows: { organization_id: string; path: string }[] = organizationIds.length
    ? await ctx.app.db.query(jurisdictionRootsSql, [organizationIds])
    : [];
  const acting = new Set(organizationIds.filter((id) => viewer.roleIn(id) !== MemberRole.OBSERVER));
  return {
    all: viewer.isPlatformAdmin,
    userId: viewer.userId,
    organizationIds,
    jurisdictionPaths: outermost(rows.map((r) => r.path)),
    actingJurisdictionPaths: outermost(rows.filter((r) => acting.has(r.organization_id)).map((r) => r.path)),
  };
}

/**
 * The areas whose subtrees organisations hold jurisdiction over. The one
 * place the list side reads jurisdiction: it must give the same reach as
 * `jurisdictionOrganizationIdsByAreaId` gives the single-record side.
 */
const jurisdictionRootsSql = `
  SELECT j.organization_id, a.path
    FROM organization_jurisdiction j JOIN area a ON a.id = j.area_id
   WHERE j.organization_id = ANY($1::uuid[])`;

/** Drops paths inside another path of the list: their subtrees are already covered. */
function outermost(paths: string[]): string[] {
  const sorted = [...new Set(paths)].sort();
  const kept: string[] = [];
  for (const path of sorted) if (!kept.some((root) => path.startsWith(root))) kept.push(path);
  return kept;
}

/**
 * How a condition is written. `index`: every branch an index condition
 * (area subtrees as `= ANY(ARRAY(...))`, evaluated once), for statements that
 * first collect the matching rows. `filter`: checked row by row on a walk in
 * list order (area subtrees as a hashed `IN (...)`).
 */
export type Form = 'index' | 'filter';

/** `c.area_id` in the subtrees under these paths; the prefixes are bound as values, so the area-path index serves them. */
export function areaInSubtrees(paths: readonly string[], bind: Bind, form: Form, column = 'c.area_id'): string {
  if (!paths.length) return 'FALSE';
  const subtree = `SELECT sa.id FROM area sa WHERE ${paths.map((p) => `sa.path LIKE ${bind(`${escapeLike(p)}%`)}`).join(' OR ')}`;
  return form === 'index' ? `${column} = ANY(ARRAY(${subtree}))` : `${column} IN (${subtree})`;
}

/** SQL condition (alias `c`) for the cases the viewer may see; the same rule as `caseAccess` (FULL or PUBLIC). */
export function visibleCaseSql(scope: CaseScope, bind: Bind, form: Form, options: { asReporter: boolean } = { asReporter: true }): string {
  if (scope.all) return 'TRUE';
  const branches: string[] = [];
  const orgs = scope.organizationIds.length ? bind(scope.organizationIds) : null;
  // Bound only where used: an unused positional parameter has no type PostgreSQL can infer.
  const me = options.asReporter && scope.userId ? bind(scope.userId) : null;
  if (orgs) {
    branches.push(`c.responsible_organization_id = ANY(${orgs}::uuid[])`, `c.supervising_organization_id = ANY(${orgs}::uuid[])`);
  }
  if (scope.jurisdictionPaths.length) branches.push(areaInSubtrees(scope.jurisdictionPaths, bind, form));
  if (options.asReporter && (orgs || me)) {
    if (me) branches.push(`c.reporter_user_id = ${me}::uuid`);
    if (orgs) branches.push(`c.reporter_organization_id = ANY(${orgs}::uuid[])`);
    // Reporters of duplicates merged into a case follow it.
    const follower = [me ? `f.user_id = ${me}::uuid` : null, orgs ? `f.organization_id = ANY(${orgs}::uuid[])` : null].filter(Boolean).join(' OR ');
    const followed = `SELECT f.case_id FROM case_follower f WHERE ${follower}`;
    branches.push(form === 'index' ? `c.id = ANY(ARRAY(${followed}))` : `c.id IN (${followed})`);
  }
  return branches.length ? `(${branches.join('\n      OR ')})` : 'FALSE';
}
