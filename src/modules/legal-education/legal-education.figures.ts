import type { AppContext } from '../../shared/context';
import { clock } from '../../shared/clock';
import { badUserInput } from '../../shared/errors';
import { areasById } from '../area/area.loaders';
import type { CaseCategory } from '../case/case.entity';
import { jurisdictionOrganizationIdsByAreaId } from '../case/case.loaders';
import {
  LegalEducationEffect,
  LegalEducationEffectMonth,
  LegalEducationEffectWindow,
  LegalEducationPlan,
  LegalEducationPlanProgress,
  LegalEducationTargetProgress,
} from './legal-education.entity';
import { canSeeAreaCaseFigures } from './legal-education.policy';

const DAY_MS = 86_400_000;

/** The instants a calendar year begins and ends in China Standard Time. */
function yearBounds(year: number): [Date, Date] {
  return [new Date(`${year}-01-01T00:00:00+08:00`), new Date(`${year + 1}-01-01T00:00:00+08:00`)];
}

/**
 * Plan versus done: per target, the organisation's HELD activities of the
 * form in the year (by start, China Standard Time) in the target's area
 * subtree; PLANNED ones still to come are shown apart, never counted as done.
 */
export async function planProgress(ctx: AppContext, plan: LegalEducationPlan): Promise<LegalEducationPlanProgress> {
  const [from, to] = yearBounds(plan.year);
  const rows: { form: string; status: string; path: string; attendance: number | null; explained: boolean }[] = await ctx.app.db.query(
    `SELECT a.form, a.status, ar.path, a.attendance, EXISTS (SELECT 1 FROM legal_education_case c WHERE c.activity_id = a.id) AS explained
       FROM legal_education_activity a JOIN area ar ON ar.id = a.area_id
      WHERE a.organizer_organization_id = $1 AND a.starts_at >= $2 AND a.starts_at < $3`,
    [plan.organizationId, from, to],
  );
  const areas = await areasById(ctx).loadMany(plan.targets.map((t) => t.areaId).filter((a): a is string => !!a));
  const pathOf = new Map(areas.flatMap((a) => (a && !(a instanceof Error) ? [[a.id, a.path] as const] : [])));
  const within = (row: { path: string }, areaId: string | null) => !areaId || (pathOf.has(areaId) && row.path.startsWith(pathOf.get(areaId)!));
  const targets = plan.targets.map((t) => {
    const matching = rows.filter((r) => r.form === t.form && within(r, t.areaId));
    const done = matching.filter((r) => r.status === 'HELD').length;
    return Object.assign(new LegalEducationTargetProgress(), {
      form: t.form,
      areaId: t.areaId,
      target: t.count,
      done,
      pending: matching.filter((r) => r.status === 'PLANNED').length,
      percent: t.count === 0 ? 100 : Math.round((done / t.count) * 1000) / 10,
    });
  });
  const held = rows.filter((r) => r.status === 'HELD');
  return Object.assign(new LegalEducationPlanProgress(), {
    targets,
    targetTotal: plan.targets.reduce((sum, t) => sum + t.count, 0),
    held: held.length,
    cancelled: rows.filter((r) => r.status === 'CANCELLED').length,
    attendance: held.reduce((sum, r) => sum + (r.attendance ?? 0), 0),
    withCasesExplained: held.filter((r) => r.explained).length,
  });
}

export interface EffectQuery {
  areaId: string | null;
  caseCategory: CaseCategory;
  topic?: string | null;
  from: string;
  to: string;
  windowDays: number;
}

/**
 * Activities on a topic beside the trend of cases of the related category in
 * the same area subtree: month by month, and per held activity the cases
 * reported in the `windowDays` before it began and after it ended. Null when
 * the area is unknown or the viewer may not see its case figures.
 */
export async function legalEducationEffect(ctx: AppContext, query: EffectQuery): Promise<LegalEducationEffect | null> {
  if (!Number.isInteger(query.windowDays) || query.windowDays < 7 || query.windowDays > 365) throw badUserInput('windowDays must be between 7 and 365.');
  if (!/^\d{4}-\d{2}$/.test(query.from) || !/^\d{4}-\d{2}$/.test(query.to) || query.from > query.to) throw badUserInput('from and to are months (YYYY-MM), from not after to.');
  const start = new Date(`${query.from}-01T00:00:00+08:00`);
  const [ty, tm] = query.to.split('-').map(Number);
  const end = new Date(`${tm === 12 ? ty + 1 : ty}-${String(tm === 12 ? 1 : tm + 1).padStart(2, '0')}-01T00:00:00+08:00`);
  if (end.getTime() - start.getTime() > 3 * 366 * DAY_MS) throw badUserInput('The range spans at most 36 months.');
  const area = query.areaId ? await areasById(ctx).load(query.areaId) : null;
  if (!area) return null;
  if (!canSeeAreaCaseFigures(ctx.viewer, await jurisdictionOrganizationIdsByAreaId(ctx).load(area.id))) return null;
  const topic = query.topic?.trim() ? `%${query.topic.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%` : '%';

  const monthly: { month: string; activities: number; attendance: number; cases: number }[] = await ctx.app.db.query(
    `WITH months AS (
       SELECT to_char(m, 'YYYY-MM') AS month FROM generate_series($1::timestamptz AT TIME ZONE 'Asia/Shanghai', ($2::timestamptz AT TIME ZONE 'Asia/Shanghai') - interval '1 day', interval '1 month') AS m
     ), acts AS (
       SELECT to_char(a.starts_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') AS month, count(*)::int AS n, coalesce(sum(a.attendance), 0)::int AS people
         FROM legal_education_activity a JOIN area ar ON ar.id = a.area_id
        WHERE ar.path LIKE $3 || '%' AND a.status = 'HELD' AND a.case_category = $4 AND a.topic LIKE $5
          AND a.starts_at >= $1 AND a.starts_at < $2
        GROUP BY 1
     ), cases AS (
       SELECT to_char(c.reported_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') AS month, count(*)::int AS n
         FROM case_record c JOIN area ar ON ar.id = c.area_id
        WHERE ar.path LIKE $3 || '%' AND c.category = $4 AND c.merged_into_id IS NULL AND c.reported_at >= $1 AND c.reported_at < $2
        GROUP BY 1
     )
     SELECT m.month, coalesce(acts.n, 0) AS activities, coalesce(acts.people, 0) AS attendance, coalesce(cases.n, 0) AS cases
       FROM months m LEFT JOIN acts USING (month) LEFT JOIN cases USING (month) ORDER BY m.month`,
    [start, end, area.path, query.caseCategory, topic],
  );
  const windows: { id: string; before: number; after: number; complete: boolean }[] = await ctx.app.db.query(
    `SELECT a.id,
            (SELECT count(*)::int FROM case_record c JOIN area ca ON ca.id = c.area_id
              WHERE ca.path LIKE $3 || '%' AND c.category = $4 AND c.merged_into_id IS NULL
                AND c.reported_at >= a.starts_at - make_interval(days => $6) AND c.reported_at < a.starts_at) AS before,
            (SELECT count(*)::int FROM case_record c JOIN area ca ON ca.id = c.area_id
              WHERE ca.path LIKE $3 || '%' AND c.category = $4 AND c.merged_into_id IS NULL
                AND c.reported_at >= a.ends_at AND c.reported_at < a.ends_at + make_interval(days => $6)) AS after,
            a.ends_at + make_interval(days => $6) <= $7 AS complete
       FROM legal_education_activity a JOIN area ar ON ar.id = a.area_id
      WHERE ar.path LIKE $3 || '%' AND a.status = 'HELD' AND a.case_category = $4 AND a.topic LIKE $5
        AND a.starts_at >= $1 AND a.starts_at < $2
      ORDER BY a.starts_at, a.id`,
    [start, end, area.path, query.caseCategory, topic, query.windowDays, clock.now()],
  );
  const activities = windows.map((w) => Object.assign(new LegalEducationEffectWindow(), { activityId: w.id, casesBefore: w.before, casesAfter: w.after, afterWindowComplete: w.complete }));
  return Object.assign(new LegalEducationEffect(), {
    caseCategory: query.caseCategory,
    windowDays: query.windowDays,
    months: monthly.map((m) => Object.assign(new LegalEducationEffectMonth(), m)),
    activities,
    casesBefore: activities.reduce((s, a) => s + a.casesBefore, 0),
    casesAfter: activities.reduce((s, a) => s + a.casesAfter, 0),
  });
}
