import type { AppContext } from '../../shared/context';
import { badUserInput } from '../../shared/errors';
import { clock, isLocalDate, today } from '../../shared/clock';
import { paginateArray, type ConnectionArgs } from '../../shared/relay/connection';
import { areasById } from '../area/area.loaders';
import { escapeLike, pathIds } from '../area/area.service';
import type { Area } from '../area/area.entity';
import { OPEN_STATUSES } from '../case/case.entity';
import { OPEN_SQL } from '../case/case.lists';
import { jurisdictionOrganizationIdsByAreaId } from '../case/case.loaders';
import { canSeeJurisdiction } from '../case/case.policy';
import { screeningFigures } from '../screening/screening.service';
import { CaseFigures, ContractFigures, JurisdictionDashboard, MeetingFigures, PatrolFigures, UnitPerformance } from './dashboard.types';

const DAY = 86_400_000;

/** The area, if the viewer may see its jurisdiction's figures (a member of an organisation whose jurisdiction covers it, or a platform admin). */
async function visibleJurisdiction(ctx: AppContext, areaId: string | null): Promise<Area | null> {
  if (!areaId) return null;
  const [area, covering] = await Promise.all([areasById(ctx).load(areaId), jurisdictionOrganizationIdsByAreaId(ctx).load(areaId)]);
  return area && canSeeJurisdiction(ctx.viewer, covering) ? area : null;
}

/** Start of a calendar day in China Standard Time. */
function startOfDay(date: string): Date {
  return new Date(`${date}T00:00:00+08:00`);
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
}

/**
 * The area subtree as a statement parameter: the path prefix bound as a value
 * (`path LIKE $1`), so the area-path index serves it; `LIKE $1 || '%'` is not
 * sargable and read the whole area table (66k areas at city scale) per statement.
 */
function subtreePattern(area: Area): string {
  return `${escapeLike(area.path)}%`;
}

/**
 * Every case figure in one statement; nothing is loaded row by row. Each part
 * reads only the rows it counts, through an index, per area of the subtree:
 * open cases through the covering partial index on open cases (open cases are
 * never merged duplicates: merging closes them), cases reported, closed and
 * resolved in the window through (area, date) indexes. The cost grows with
 * the jurisdiction's open and recent cases, not with its history or the city.
 */
async function caseFigures(ctx: AppContext, area: Area, now: Date): Promise<CaseFigures> {
  const [row] = await ctx.app.db.query(
    `WITH areas AS MATERIALIZED (SELECT id FROM area WHERE path LIKE $1),
     open AS MATERIALIZED (
       SELECT c.category, c.status, c.due_at, c.supervising_organization_id
         FROM case_record c WHERE c.area_id IN (SELECT id FROM areas) AND c.status IN ${OPEN_SQL}
     )
     SELECT (SELECT count(*) FROM open)::int AS open,
            (SELECT count(*) FROM open WHERE due_at < $2)::int AS overdue,
            (SELECT count(*) FROM open WHERE supervising_organization_id IS NOT NULL)::int AS supervised_open,
            (SELECT coalesce(json_agg(g ORDER BY g.category, g.status), '[]'::json)
               FROM (SELECT category, status, count(*)::int AS count FROM open GROUP BY category, status) g) AS buckets,
            r.opened7, r.opened30, d.closed7, d.closed30, v.resolved30, v.median_hours
       FROM (SELECT count(*) FILTER (WHERE c.reported_at > $2::timestamptz - interval '7 days')::int AS opened7, count(*)::int AS opened30
               FROM case_record c
              WHERE c.area_id IN (SELECT id FROM areas) AND c.merged_into_id IS NULL
                AND c.reported_at > $2::timestamptz - interval '30 days' AND c.reported_at <= $2) r,
            (SELECT count(*) FILTER (WHERE c.closed_at > $2::timestamptz - interval '7 days')::int AS closed7, count(*)::int AS closed30
               FROM case_record c
              WHERE c.area_id IN (SELECT id FROM areas) AND c.merged_into_id IS NULL
                AND c.closed_at > $2::timestamptz - interval '30 days' AND c.closed_at <= $2) d,
            (SELECT count(*)::int AS resolved30,
                    percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM c.resolved_at - c.reported_at) / 3600) AS median_hours
               FROM case_record c
              WHERE c.area_id IN (SELECT id FROM areas) AND c.merged_into_id IS NULL
                AND c.resolved_at > $2::timestamptz - interval '30 days' AND c.resolved_at <= $2) v`,
    [subtreePattern(area), now],
  );
  return Object.assign(new CaseFigures(), {
    open: row.open,
    openByCategoryAndStatus: row.buckets,
    overdue: row.overdue,
    supervisedOpen: row.supervised_open,
    openedLast7Days: row.opened7,
    openedLast30Days: row.opened30,
    closedLast7Days: row.closed7,
    closedLast30Days: row.closed30,
    resolvedLast30Days: row.resolved30,
    medianHoursToResolve: row.median_hours === null ? null : Number(row.median_hours),
  });
}

/** Patrols of the area subtree: on duty now, and today's checkpoint coverage (non-flagged check-ins of today's patrols). */
async function patrolFigures(ctx: AppContext, area: Area): Promise<PatrolFigures> {
  const day = today();
  const [row] = await ctx.app.db.query(
    `WITH areas AS MATERIALIZED (SELECT id FROM area WHERE path LIKE $1),
     todays AS MATERIALIZED (
       SELECT p.id FROM patrol p
        WHERE p.area_id IN (SELECT id FROM areas) AND p.planned_start >= $2 AND p.planned_start < $3 AND p.status <> 'CANCELLED'
     ), planned AS (
       SELECT DISTINCT pc.checkpoint_id FROM patrol_planned_checkpoint pc WHERE pc.patrol_id IN (SELECT id FROM todays)
     ), visited AS (
       SELECT DISTINCT e.checkpoint_id FROM patrol_event e
        WHERE e.patrol_id IN (SELECT id FROM todays) AND e.kind = 'CHECKPOINT' AND NOT e.flagged
          AND e.device_time >= $2 AND e.device_time < $3 AND e.checkpoint_id IN (SELECT checkpoint_id FROM planned)
     )
     SELECT (SELECT count(*) FROM patrol p WHERE p.area_id IN (SELECT id FROM areas) AND p.status = 'ACTIVE')::int AS on_duty,
            (SELECT count(*) FROM todays)::int AS planned_today,
            (SELECT count(*) FROM planned)::int AS checkpoints_planned,
            (SELECT count(*) FROM visited)::int AS checkpoints_visited`,
    [subtreePattern(area), startOfDay(day), startOfDay(addDays(day, 1))],
  );
  return Object.assign(new PatrolFigures(), {
    onDuty: row.on_duty,
    plannedToday: row.planned_today,
    checkpointsPlannedToday: row.checkpoints_planned,
    checkpointsVisitedToday: row.checkpoints_visited,
    checkpointCoverage: row.checkpoints_planned ? row.checkpoints_visited / row.checkpoints_planned : null,
  });
}

/** Meetings held in the area subtree: upcoming ones, and their open and overdue action items. */
async function meetingFigures(ctx: AppContext, area: Area, now: Date): Promise<MeetingFigures> {
  const [row] = await ctx.app.db.query(
    `WITH scope AS (SELECT m.id, m.status, m.starts_at FROM meeting m WHERE m.area_id IN (SELECT id FROM area WHERE path LIKE $1))
     SELECT (SELECT count(*) FROM scope WHERE status = 'SCHEDULED' AND starts_at >= $2 AND starts_at < $2::timestamptz + interval '30 days')::int AS upcoming,
            count(*) FILTER (WHERE ai.due_on < $3::date)::int AS overdue_actions,
            count(*)::int AS open_actions
       FROM action_item ai
      WHERE ai.meeting_id IN (SELECT id FROM scope) AND ai.status IN ('OPEN','IN_PROGRESS')`,
    [subtreePattern(area), now, today()],
  );
  return Object.assign(new MeetingFigures(), { upcomingNext30Days: row.upcoming, overdueActionItems: row.overdue_actions, openActionItems: row.open_actions });
}

/** ACTIVE contracts whose scope reaches the area: a scope area inside the subtree or above the area (its ancestors are the ids of its path). */
async function contractFigures(ctx: AppContext, area: Area): Promise<ContractFigures> {
  const day = today();
  const [row] = await ctx.app.db.query(
    `SELECT count(*)::int AS active, count(*) FILTER (WHERE k.ends_on <= $3::date)::int AS expiring
       FROM contract k
      WHERE k.status = 'ACTIVE' AND k.ends_on >= $2::date
        AND EXISTS (SELECT 1 FROM contract_area ca
                     WHERE ca.contract_id = k.id AND (ca.area_id IN (SELECT id FROM area WHERE path LIKE $1) OR ca.area_id = ANY($4::uuid[])))`,
    [subtreePattern(area), day, addDays(day, 30), pathIds(area)],
  );
  return Object.assign(new ContractFigures(), { active: row.active, expiringWithin30Days: row.expiring });
}

/**
 * The liaison dashboard of a jurisdiction, or null when the viewer's
 * organisations do not cover the area. A bounded number of aggregate
 * statements, however many cases, patrols or meetings there are.
 */
export async function jurisdictionDashboard(ctx: AppContext, areaId: string | null): Promise<JurisdictionDashboard | null> {
  const area = await visibleJurisdiction(ctx, areaId);
  if (!area) return null;
  const now = clock.now();
  const [cases, patrols, meetings, contracts, screening] = await Promise.all([
    caseFigures(ctx, area, now),
    patrolFigures(ctx, area),
    meetingFigures(ctx, area, now),
    contractFigures(ctx, area),
    screeningFigures(ctx, area),
  ]);
  return Object.assign(new JurisdictionDashboard(), { areaId: area.id, generatedAt: now, cases, patrols, meetings, contracts, screening });
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
