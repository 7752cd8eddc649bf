import type { AppContext } from '../../shared/context';
import { badUserInput } from '../../shared/errors';
import { clock, isLocalDate, today } from '../../shared/clock';
import { paginateArray, type ConnectionArgs } from '../../shared/relay/connection';
import { keepPlanned } from '../../shared/read-plan/planned';
import { Area } from '../area/area.entity';
import { OPEN_STATUSES } from '../case/case.entity';
import { canSeeJurisdiction } from '../case/case.policy';
import { everything, readFigures, type Selection } from './dashboard.figures';
import { JurisdictionDashboard, UnitPerformance } from './dashboard.types';

const DAY = 86_400_000;

/**
 * The area, if the viewer may see its jurisdiction's figures (a member of an
 * organisation whose jurisdiction covers it, or a platform admin). The area
 * and the organisations covering it (jurisdictions on the area or above it:
 * the ids of its path) in one statement; the row is kept for this request,
 * so the area field and the by-id loader do not read it again.
 */
async function visibleJurisdiction(ctx: AppContext, areaId: string | null): Promise<Area | null> {
  if (!areaId) return null;
  const [row]: { id: string; name: string; kind: string; code: string | null; parent_id: string | null; path: string; depth: number; created_at: Date; covering: string[] }[] =
    await ctx.app.db.query(
      `SELECT a.id, a.name, a.kind, a.code, a.parent_id, a.path, a.depth, a.created_at,
              ARRAY(SELECT DISTINCT j.organization_id::text FROM organization_jurisdiction j
                     WHERE j.area_id = ANY(string_to_array(trim(both '/' from a.path), '/')::uuid[])) AS covering
         FROM area a WHERE a.id = $1`,
      [areaId],
    );
  if (!row) return null;
  const area: Area = Object.assign(Object.create(Area.prototype), {
    id: row.id, name: row.name, kind: row.kind, code: row.code, parentId: row.parent_id, path: row.path, depth: row.depth, createdAt: row.created_at,
  });
  keepPlanned(ctx, Area.name, area.id, area);
  return canSeeJurisdiction(ctx.viewer, row.covering) ? area : null;
}

/** Start of a calendar day in China Standard Time. */
function startOfDay(date: string): Date {
  return new Date(`${date}T00:00:00+08:00`);
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
}

/**
 * The liaison dashboard of a jurisdiction, or null when the viewer's
 * organisations do not cover the area: the visibility check first (one
 * statement), then the selected figures (one statement, see readFigures),
 * however many cases, patrols or meetings there are.
 */
export async function jurisdictionDashboard(ctx: AppContext, areaId: string | null, selection: Selection = everything()): Promise<JurisdictionDashboard | null> {
  const area = await visibleJurisdiction(ctx, areaId);
  if (!area) return null;
  const now = clock.now();
  const figures = await readFigures(ctx, { area, now, day: today() }, ctx.app.config.readPlan ? selection : everything());
  return Object.assign(new JurisdictionDashboard(), { areaId: area.id, area, generatedAt: now, ...figures });
}

export interface PerformanceQuery {
  areaId: string | null;
  from: string;
  to: string;
  minimumSample: number;
}

/**
 * Per organisation, in the area subtree and the period [from, to] (calendar
 * days, China Standard Time), everything a fair comparison needs, so that a
 * unit cannot look good by leaving cases open or unassigned:
 * - as the responsible unit: cases resolved in the period (on time or not),
 *   cases open at the end of the period (T = the end, or now if earlier) and
 *   of those overdue, resolutions and reopenings in the period;
 * - as the dispatching office (the organisation(s) holding the deepest
 *   jurisdiction over the case's area): cases unassigned at T and of those
 *   overdue, and the time from report to first dispatch of cases first
 *   assigned in the period.
 * On-time rate = resolved on time / (resolved + overdue open + overdue
 * unassigned): open cases not yet due are neither success nor failure.
 * Units judged on fewer than `minimumSample` cases are listed after the
 * ranked ones, unranked. Null when the viewer may not see the jurisdiction.
 */
export async function unitPerformance(ctx: AppContext, query: PerformanceQuery, args: ConnectionArgs) {
  if (!isLocalDate(query.from) || !isLocalDate(query.to)) throw badUserInput('from and to must be dates (YYYY-MM-DD)');
  if (query.to < query.from) throw badUserInput('to must not lie before from');
  if (Date.parse(query.to) - Date.parse(query.from) > 731 * DAY) throw badUserInput('The period may span at most two years');
  if (!Number.isInteger(query.minimumSample) || query.minimumSample < 1 || query.minimumSample > 1000) throw badUserInput('minimumSample must be between 1 and 1000');
  const area = await visibleJurisdiction(ctx, query.areaId);
  if (!area) return null;
  const start = startOfDay(query.from);
  const periodEnd = startOfDay(addDays(query.to, 1));
  const now = clock.now();
  const cutoff = periodEnd < now ? periodEnd : now;
  const rows: UnitRow[] = await ctx.app.db.query(
    `WITH scope AS (
       SELECT c.id, c.status, c.due_at, c.reported_at, c.resolved_at, c.closed_at, c.first_assigned_at, c.responsible_organization_id AS org, a.path,
              -- Open at the cutoff: reported before it and not (last) resolved or closed by then.
              (c.reported_at < $4 AND (c.status = ANY($5) OR coalesce(c.resolved_at, c.closed_at) > $4)) AS open_then
         FROM case_record c JOIN area a ON a.id = c.area_id
        WHERE a.path LIKE $1 || '%' AND c.merged_into_id IS NULL
     ), dispatcher AS (
       SELECT s.id AS case_id, j.organization_id AS org
         FROM scope s JOIN organization_jurisdiction j ON true JOIN area ja ON ja.id = j.area_id
        WHERE s.path LIKE ja.path || '%'
          AND ja.depth = (SELECT max(a2.depth) FROM organization_jurisdiction j2 JOIN area a2 ON a2.id = j2.area_id WHERE s.path LIKE a2.path || '%')
     ), resolved AS (
       SELECT org, count(*)::int AS n, count(*) FILTER (WHERE resolved_at <= due_at)::int AS on_time,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM resolved_at - reported_at) / 3600) AS median_hours
         FROM scope WHERE org IS NOT NULL AND resolved_at >= $2 AND resolved_at < $3 GROUP BY org
     ), open_assigned AS (
       SELECT org, count(*)::int AS n, count(*) FILTER (WHERE due_at < $4)::int AS overdue
         FROM scope WHERE org IS NOT NULL AND open_then AND (first_assigned_at IS NULL OR first_assigned_at <= $4) GROUP BY org
     ), unassigned AS (
       SELECT d.org, count(*)::int AS n, count(*) FILTER (WHERE s.due_at < $4)::int AS overdue
         FROM scope s JOIN dispatcher d ON d.case_id = s.id
        WHERE s.open_then AND (s.org IS NULL OR s.first_assigned_at > $4) GROUP BY d.org
     ), dispatched AS (
       SELECT d.org, count(*)::int AS n,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM s.first_assigned_at - s.reported_at) / 3600) AS median_hours
         FROM scope s JOIN dispatcher d ON d.case_id = s.id
        WHERE s.first_assigned_at >= $2 AND s.first_assigned_at < $3 GROUP BY d.org
     ), cycles AS (
       SELECT s.org, count(*) FILTER (WHERE e.type = 'RESOLVED')::int AS resolutions, count(*) FILTER (WHERE e.type = 'REOPENED')::int AS reopenings
         FROM case_event e JOIN scope s ON s.id = e.case_id
        WHERE s.org IS NOT NULL AND e.type IN ('RESOLVED','REOPENED') AND e.occurred_at >= $2 AND e.occurred_at < $3 GROUP BY s.org
     ), units AS (
       SELECT org FROM resolved UNION SELECT org FROM open_assigned UNION SELECT org FROM unassigned UNION SELECT org FROM dispatched UNION SELECT org FROM cycles
     )
     SELECT u.org AS organization_id,
            coalesce(r.n, 0) AS resolved, coalesce(r.on_time, 0) AS on_time, r.median_hours AS median_hours_to_resolve,
            coalesce(o.n, 0) AS open, coalesce(o.overdue, 0) AS overdue,
            coalesce(n.n, 0) AS unassigned, coalesce(n.overdue, 0) AS unassigned_overdue,
            coalesce(d.n, 0) AS dispatched, d.median_hours AS median_hours_to_dispatch,
            coalesce(y.resolutions, 0) AS resolutions, coalesce(y.reopenings, 0) AS reopenings
       FROM units u
       LEFT JOIN resolved r ON r.org = u.org LEFT JOIN open_assigned o ON o.org = u.org LEFT JOIN unassigned n ON n.org = u.org
       LEFT JOIN dispatched d ON d.org = u.org LEFT JOIN cycles y ON y.org = u.org`,
    [area.path, start, periodEnd, cutoff, OPEN_STATUSES],
  );
  const units = rows.map((r) => {
    const judged = r.resolved + r.overdue + r.unassigned_overdue;
    return Object.assign(new UnitPerformance(), {
      organizationId: r.organization_id,
      casesHandled: r.resolved,
      resolvedOnTime: r.on_time,
      medianHoursToResolve: r.median_hours_to_resolve === null ? null : Number(r.median_hours_to_resolve),
      openCases: r.open,
      overdueOpenCases: r.overdue,
      unassignedCases: r.unassigned,
      unassignedOverdueCases: r.unassigned_overdue,
      casesDispatched: r.dispatched,
      medianHoursToFirstDispatch: r.median_hours_to_dispatch === null ? null : Number(r.median_hours_to_dispatch),
      resolutions: r.resolutions,
      reopenings: r.reopenings,
      reopenRate: r.resolutions === 0 ? null : r.reopenings / r.resolutions,
      casesJudged: judged,
      onTimeRate: judged === 0 ? null : r.on_time / judged,
      sufficientSample: judged >= query.minimumSample,
      rank: null as number | null,
    });
  });
  const ranked = units
    .filter((u) => u.sufficientSample)
    .sort(
      (a, b) =>
        b.onTimeRate! - a.onTimeRate! ||
        (a.medianHoursToResolve ?? Infinity) - (b.medianHoursToResolve ?? Infinity) ||
        b.casesJudged - a.casesJudged ||
        a.organizationId.localeCompare(b.organizationId),
    );
  ranked.forEach((u, i) => (u.rank = i + 1));
  const small = units.filter((u) => !u.sufficientSample).sort((a, b) => b.casesJudged - a.casesJudged || b.openCases + b.unassignedCases - (a.openCases + a.unassignedCases) || a.organizationId.localeCompare(b.organizationId));
  return paginateArray([...ranked, ...small], args, (u) => u.organizationId);
}

interface UnitRow {
  organization_id: string;
  resolved: number;
  on_time: number;
  median_hours_to_resolve: number | null;
  open: number;
  overdue: number;
  unassigned: number;
  unassigned_overdue: number;
  dispatched: number;
  median_hours_to_dispatch: number | null;
  resolutions: number;
  reopenings: number;
}
