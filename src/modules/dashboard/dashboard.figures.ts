import type { GraphQLResolveInfo } from 'graphql';
import type { AppContext } from '../../shared/context';
import { subFields } from '../../shared/read-plan/selection';
import { escapeLike, pathIds } from '../area/area.service';
import type { Area } from '../area/area.entity';
import { OPEN_SQL } from '../case/case.lists';
import { screeningCommunitiesSql, screeningFiguresOf, screeningRowsSql, screeningWindow, type ScreeningRows } from '../screening/screening.service';
import { CaseFigures, ContractFigures, MeetingFigures, PatrolFigures } from './dashboard.types';
import type { ScreeningFigures } from '../screening/screening.inputs';

/**
 * The figures of a jurisdiction dashboard in one statement, made of only the
 * parts the operation selects: a liaison screen that shows open cases and
 * patrols on duty does not pay for resolution medians, checkpoint coverage
 * or screening returns. Each part is a one-row subquery over the rows it
 * counts, read through an index per area of the subtree (open cases through
 * the covering partial index on open cases, which are never merged
 * duplicates since merging closes them; cases reported, closed and resolved
 * in the window through (area, date) indexes), so the cost grows with the
 * jurisdiction's open and recent rows, not with its history or the city.
 */

export type Section = 'cases' | 'patrols' | 'meetings' | 'contracts' | 'screening';
export const SECTIONS: readonly Section[] = ['cases', 'patrols', 'meetings', 'contracts', 'screening'];

/** The instant and day the figures are for, and the subtree. */
export interface Scope {
  area: Area;
  now: Date;
  /** Today in China Standard Time (YYYY-MM-DD). */
  day: string;
}

type Bind = (value: unknown) => string;

/** Statement parameters bound once each, however many parts use them. */
function parameters(scope: Scope) {
  const values: unknown[] = [];
  const bound = new Map<string, string>();
  const bind: Bind = (value) => (values.push(value), `$${values.length}`);
  const once = (name: string, value: () => unknown) => {
    let ref = bound.get(name);
    if (!ref) bound.set(name, (ref = bind(value())));
    return ref;
  };
  return {
    values,
    bind,
    // The subtree as a bound prefix (`path LIKE $n`), so the area-path index serves it; `LIKE $n || '%'` is not sargable.
    pattern: () => once('pattern', () => `${escapeLike(scope.area.path)}%`),
    now: () => `${once('now', () => scope.now)}::timestamptz`,
    day: () => `${once('day', () => scope.day)}::date`,
    in30Days: () => `${once('in30Days', () => addDays(scope.day, 30))}::date`,
    dayStart: () => `${once('dayStart', () => startOfDay(scope.day))}::timestamptz`,
    dayEnd: () => `${once('dayEnd', () => startOfDay(addDays(scope.day, 1)))}::timestamptz`,
    ancestors: () => `${once('ancestors', () => pathIds(scope.area))}::uuid[]`,
  };
}
type Params = ReturnType<typeof parameters>;

/**
 * The subtree's cases, read area by area: `select` must filter on `c.area_id = a.id`. Left to choose, PostgreSQL
 * joined the subtree's areas to a sequential scan of every case once it knew how many areas there were (a tenth
 * of the bench's city): 5,000 cases read for the 500 in the subtree, 1.1 ms of a 3.2 ms statement. OFFSET 0 keeps
 * the subquery from being flattened into that join, so each area is one probe of a case index that leads with
 * area_id, and the work follows the subtree's cases at any size of the city. Not for patrols or meetings: a table
 * of a few pages is then scanned whole once per area (200 patrols for each of 111 areas: 2.4 ms).
 */
const perArea = (select: string) => `areas a CROSS JOIN LATERAL (${select} OFFSET 0)`;

/** Common table expressions, in the order they may depend on one another. */
const CTES = {
  areas: (p: Params) => `areas AS MATERIALIZED (SELECT id FROM area WHERE path LIKE ${p.pattern()})`,
  open: () => `open AS MATERIALIZED (
       SELECT c.* FROM ${perArea(`SELECT c.category, c.status, c.due_at, c.supervising_organization_id
         FROM case_record c WHERE c.area_id = a.id AND c.status IN ${OPEN_SQL}`)} c)`,
  todays: (p: Params) => `todays AS MATERIALIZED (
       SELECT p.id FROM patrol p
        WHERE p.area_id IN (SELECT id FROM areas) AND p.planned_start >= ${p.dayStart()} AND p.planned_start < ${p.dayEnd()} AND p.status <> 'CANCELLED')`,
  planned: () => `planned AS (SELECT DISTINCT pc.checkpoint_id FROM patrol_planned_checkpoint pc WHERE pc.patrol_id IN (SELECT id FROM todays))`,
  visited: (p: Params) => `visited AS (
       SELECT DISTINCT e.checkpoint_id FROM patrol_event e
        WHERE e.patrol_id IN (SELECT id FROM todays) AND e.kind = 'CHECKPOINT' AND NOT e.flagged
          AND e.device_time >= ${p.dayStart()} AND e.device_time < ${p.dayEnd()} AND e.checkpoint_id IN (SELECT checkpoint_id FROM planned))`,
  meetings: () => `meetings AS (SELECT m.id, m.status, m.starts_at FROM meeting m WHERE m.area_id IN (SELECT id FROM areas))`,
  communities: (p: Params, scope: Scope) => screeningCommunitiesSql(p.bind, scope.area),
} as const;
type Cte = keyof typeof CTES;

/** One part: a one-row subquery with its own column names, and the GraphQL fields its row answers. */
interface Part {
  section: Section;
  /** The fields it answers; a part is read when any of them is selected. */
  fields: readonly string[];
  needs: readonly Cte[];
  sql: (p: Params, scope: Scope) => string;
  read: (row: any, scope: Scope) => Record<string, unknown>;
}

const PARTS: readonly Part[] = [
  {
    section: 'cases',
    fields: ['open', 'overdue', 'supervisedOpen'],
    needs: ['areas', 'open'],
    sql: (p) => `SELECT count(*)::int AS open, count(*) FILTER (WHERE due_at < ${p.now()})::int AS overdue,
                        count(*) FILTER (WHERE supervising_organization_id IS NOT NULL)::int AS supervised_open FROM open`,
    read: (r) => ({ open: r.open, overdue: r.overdue, supervisedOpen: r.supervised_open }),
  },
  {
    section: 'cases',
    fields: ['openByCategoryAndStatus'],
    needs: ['areas', 'open'],
    sql: () => `SELECT coalesce(json_agg(g ORDER BY g.category, g.status), '[]'::json) AS buckets
                  FROM (SELECT category, status, count(*)::int AS count FROM open GROUP BY category, status) g`,
    read: (r) => ({ openByCategoryAndStatus: r.buckets }),
  },
  {
    section: 'cases',
    fields: ['openedLast7Days', 'openedLast30Days'],
    needs: ['areas'],
    sql: (p) => `SELECT count(*) FILTER (WHERE c.reported_at > ${p.now()} - interval '7 days')::int AS opened7, count(*)::int AS opened30
                   FROM ${perArea(`SELECT c.reported_at FROM case_record c
                  WHERE c.area_id = a.id AND c.merged_into_id IS NULL
                    AND c.reported_at > ${p.now()} - interval '30 days' AND c.reported_at <= ${p.now()}`)} c`,
    read: (r) => ({ openedLast7Days: r.opened7, openedLast30Days: r.opened30 }),
  },
  {
    section: 'cases',
    fields: ['closedLast7Days', 'closedLast30Days'],
    needs: ['areas'],
    sql: (p) => `SELECT count(*) FILTER (WHERE c.closed_at > ${p.now()} - interval '7 days')::int AS closed7, count(*)::int AS closed30
                   FROM ${perArea(`SELECT c.closed_at FROM case_record c
                  WHERE c.area_id = a.id AND c.merged_into_id IS NULL
                    AND c.closed_at > ${p.now()} - interval '30 days' AND c.closed_at <= ${p.now()}`)} c`,
    read: (r) => ({ closedLast7Days: r.closed7, closedLast30Days: r.closed30 }),
  },
  {
    section: 'cases',
    fields: ['resolvedLast30Days', 'medianHoursToResolve'],
    needs: ['areas'],
    sql: (p) => `SELECT count(*)::int AS resolved30,
                        percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM c.resolved_at - c.reported_at) / 3600) AS median_hours
                   FROM ${perArea(`SELECT c.resolved_at, c.reported_at FROM case_record c
                  WHERE c.area_id = a.id AND c.merged_into_id IS NULL
                    AND c.resolved_at > ${p.now()} - interval '30 days' AND c.resolved_at <= ${p.now()}`)} c`,
    read: (r) => ({ resolvedLast30Days: r.resolved30, medianHoursToResolve: r.median_hours === null ? null : Number(r.median_hours) }),
  },
  {
    section: 'patrols',
    fields: ['onDuty'],
    needs: ['areas'],
    sql: () => `SELECT count(*)::int AS on_duty FROM patrol p WHERE p.area_id IN (SELECT id FROM areas) AND p.status = 'ACTIVE'`,
    read: (r) => ({ onDuty: r.on_duty }),
  },
  {
    section: 'patrols',
    fields: ['plannedToday'],
    needs: ['areas', 'todays'],
    sql: () => `SELECT count(*)::int AS planned_today FROM todays`,
    read: (r) => ({ plannedToday: r.planned_today }),
  },
  {
    // Today's checkpoint coverage: non-flagged check-ins of today's patrols at checkpoints they plan.
    section: 'patrols',
    fields: ['checkpointsPlannedToday', 'checkpointsVisitedToday', 'checkpointCoverage'],
    needs: ['areas', 'todays', 'planned', 'visited'],
    sql: () => `SELECT (SELECT count(*) FROM planned)::int AS checkpoints_planned, (SELECT count(*) FROM visited)::int AS checkpoints_visited`,
    read: (r) => ({
      checkpointsPlannedToday: r.checkpoints_planned,
      checkpointsVisitedToday: r.checkpoints_visited,
      checkpointCoverage: r.checkpoints_planned ? r.checkpoints_visited / r.checkpoints_planned : null,
    }),
  },
  {
    section: 'meetings',
    fields: ['upcomingNext30Days'],
    needs: ['areas', 'meetings'],
    sql: (p) => `SELECT count(*)::int AS upcoming FROM meetings WHERE status = 'SCHEDULED' AND starts_at >= ${p.now()} AND starts_at < ${p.now()} + interval '30 days'`,
    read: (r) => ({ upcomingNext30Days: r.upcoming }),
  },
  {
    section: 'meetings',
    fields: ['overdueActionItems', 'openActionItems'],
    needs: ['areas', 'meetings'],
    sql: (p) => `SELECT count(*) FILTER (WHERE ai.due_on < ${p.day()})::int AS overdue_actions, count(*)::int AS open_actions
                   FROM action_item ai
                  WHERE ai.meeting_id IN (SELECT id FROM meetings) AND ai.status IN ('OPEN','IN_PROGRESS')`,
    read: (r) => ({ overdueActionItems: r.overdue_actions, openActionItems: r.open_actions }),
  },
  {
    // ACTIVE contracts whose scope reaches the area: a scope area inside the subtree or above the area.
    section: 'contracts',
    fields: ['active', 'expiringWithin30Days'],
    needs: ['areas'],
    sql: (p) => `SELECT count(*)::int AS active, count(*) FILTER (WHERE k.ends_on <= ${p.in30Days()})::int AS expiring
                   FROM contract k
                  WHERE k.status = 'ACTIVE' AND k.ends_on >= ${p.day()}
                    AND EXISTS (SELECT 1 FROM contract_area ca
                                 WHERE ca.contract_id = k.id AND (ca.area_id IN (SELECT id FROM areas) OR ca.area_id = ANY(${p.ancestors()})))`,
    read: (r) => ({ active: r.active, expiringWithin30Days: r.expiring }),
  },
  {
    // Its figures are counted in JavaScript from the window's rows (due returns are generated per week and special day).
    section: 'screening',
    fields: ['*'],
    needs: ['communities'],
    sql: (p, scope) => screeningRowsSql(p.bind, scope.area, screeningWindow(scope.day)),
    read: (r: ScreeningRows, scope) => ({ figures: screeningFiguresOf(r, screeningWindow(scope.day)) }),
  },
];

/** What an operation selects of each section: the field names, or null when the section is not selected. */
export type Selection = Record<Section, Set<string> | null>;

/** Everything: for planning off, and for callers without a selection. */
export function everything(): Selection {
  return Object.fromEntries(SECTIONS.map((s) => [s, new Set(['*', ...PARTS.filter((p) => p.section === s).flatMap((p) => p.fields)])])) as Selection;
}

/** The sections and figures the dashboard field selects (aliases, fragments and @skip/@include included). */
export function selectionOf(info: GraphQLResolveInfo): Selection {
  return Object.fromEntries(
    SECTIONS.map((section) => {
      const nodes = subFields(info, info.fieldNodes, section);
      if (!nodes.length) return [section, null];
      // Screening figures are one value object with nested lists: any field of it needs the whole part.
      return [section, new Set(section === 'screening' ? ['*'] : subFields(info, nodes).map((f) => f.name.value))];
    }),
  ) as Selection;
}

export interface Figures {
  cases?: CaseFigures;
  patrols?: PatrolFigures;
  meetings?: MeetingFigures;
  contracts?: ContractFigures;
  screening?: ScreeningFigures;
}

/**
 * The selected sections, each with the selected figures (others stay
 * unset: the executor never reads a field the operation did not select).
 * One statement, or none when only section shapes (e.g. __typename) are asked.
 */
export async function readFigures(ctx: AppContext, scope: Scope, selection: Selection): Promise<Figures> {
  const values: Record<Section, Record<string, unknown>> = { cases: {}, patrols: {}, meetings: {}, contracts: {}, screening: {} };
  const statement = figuresStatement(scope, selection);
  if (statement) {
    const [row] = await ctx.app.db.query(statement.sql, statement.params);
    for (const part of statement.parts) Object.assign(values[part.section], part.read(row, scope));
  }
  const has = (section: Section) => selection[section] !== null;
  return {
    ...(has('cases') && { cases: Object.assign(new CaseFigures(), values.cases) }),
    ...(has('patrols') && { patrols: Object.assign(new PatrolFigures(), values.patrols) }),
    ...(has('meetings') && { meetings: Object.assign(new MeetingFigures(), values.meetings) }),
    ...(has('contracts') && { contracts: Object.assign(new ContractFigures(), values.contracts) }),
    ...(has('screening') && { screening: values.screening.figures as ScreeningFigures }),
  };
}

/** The one statement of the selected parts, apart so that its plan can be checked; null when no part is selected. */
export function figuresStatement(scope: Scope, selection: Selection): { sql: string; params: unknown[]; parts: Part[] } | null {
  const parts = PARTS.filter((part) => part.fields.some((field) => selection[part.section]?.has(field)));
  if (!parts.length) return null;
  const p = parameters(scope);
  const needed = new Set(parts.flatMap((part) => part.needs));
  // Parts first: their SQL binds the parameters the CTEs share, in any order.
  const from = parts.map((part, i) => `(${part.sql(p, scope)}) p${i}`);
  const ctes = (Object.keys(CTES) as Cte[]).filter((name) => needed.has(name)).map((name) => CTES[name](p, scope));
  // Column names are unique across parts, so one flat row carries them all.
  const select = parts.map((_, i) => `p${i}.*`).join(', ');
  return { sql: `WITH ${ctes.join(',\n     ')}\nSELECT ${select} FROM ${from.join(', ')}`, params: p.values, parts };
}

const DAY = 86_400_000;

/** Start of a calendar day in China Standard Time. */
function startOfDay(date: string): Date {
  return new Date(`${date}T00:00:00+08:00`);
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
}
