import { loadDemoData } from '../src/demo';
import type { Area } from '../src/modules/area/area.entity';
import { everything, figuresStatement } from '../src/modules/dashboard/dashboard.figures';
import { planNodes } from './support/explain';
import { clock, today } from '../src/shared/clock';
import { toGlobalId } from '../src/shared/relay/global-id';
import { expectSameStatementCount, gql } from './support/graphql';
import { startHarness, stopHarness, tokenForEmail, type Harness } from './support/harness';

/**
 * The dashboard computes only the figures an operation selects, in one
 * statement. Every figure is checked here against a plain computation in
 * JavaScript over the demo's rows (no shared SQL), for the liaison officer,
 * a platform admin and a community of another city, and against itself
 * selected alone, so that no part answers another part's figure.
 */
let h: Harness;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** hh:00 China Standard Time today. */
const todayAt = (hour: number) => new Date(Date.parse(`${new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date())}T00:00:00+08:00`) + hour * HOUR);
const NOW = todayAt(11);

beforeAll(async () => {
  h = await startHarness();
  clock.freeze(todayAt(10));
  await loadDemoData(h.server.services.db, h.server.services.log);
  clock.reset();
}, 180_000);
afterAll(async () => {
  clock.reset();
  await stopHarness(h);
});
beforeEach(() => clock.freeze(NOW));
afterEach(() => clock.reset());

/** The bench's document (bench/run.ts DASHBOARD_QUERY), which the floor in bench/floor.ts answers in one statement. */
const BENCH = `query ($area: ID!) {
  jurisdictionDashboard(areaId: $area) {
    area { name }
    cases { open overdue supervisedOpen openedLast7Days openedLast30Days openByCategoryAndStatus { category status count } }
    patrols { onDuty plannedToday }
  }
}`;

const FIELDS = {
  cases: ['open', 'overdue', 'supervisedOpen', 'openedLast7Days', 'openedLast30Days', 'closedLast7Days', 'closedLast30Days', 'resolvedLast30Days', 'medianHoursToResolve', 'openByCategoryAndStatus { category status count }'],
  patrols: ['onDuty', 'plannedToday', 'checkpointsPlannedToday', 'checkpointsVisitedToday', 'checkpointCoverage'],
  meetings: ['upcomingNext30Days', 'overdueActionItems', 'openActionItems'],
  contracts: ['active', 'expiringWithin30Days'],
  screening: ['windowStartsOn', 'windowEndsOn', 'communities', 'returnsDue', 'returnsFiled', 'nilReturns', 'disputesFound', 'missingCount', 'missing { startsOn frequency }'],
} as const;
type Section = keyof typeof FIELDS;

const document = (selection: string) => `query ($area: ID!) { jurisdictionDashboard(areaId: $area) { ${selection} } }`;
const FULL = document(`area { name } generatedAt ${Object.entries(FIELDS).map(([s, f]) => `${s} { ${f.join(' ')} }`).join(' ')}`);

/** The demo's area of this name (the test world has areas with the same names): under Jingzhou or Wuhan. */
async function demoArea(name: string): Promise<{ id: string; path: string }> {
  const [area] = await h.server.services.db.query(`SELECT a.id, a.path FROM area a JOIN area r ON a.path LIKE r.path || '%' WHERE r.code IN ('421000', '420100') AND a.name = $1`, [name]);
  return area;
}

const OPEN = new Set(['REPORTED', 'TRIAGED', 'ASSIGNED', 'IN_PROGRESS', 'REOPENED']);
const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = (sorted.length - 1) / 2;
  return sorted.length ? (sorted[Math.floor(mid)] + sorted[Math.ceil(mid)]) / 2 : null;
};

/** Every figure of the area's subtree, each from the rows by itself (the subtree walked through parent ids). */
async function plainFigures(areaId: string) {
  const q = (sql: string) => h.server.services.db.query(sql);
  const areas: { id: string; parent_id: string | null; kind: string }[] = await q(`SELECT id, parent_id, kind FROM area`);
  const inside = new Set([areaId]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const a of areas) {
      if (a.parent_id && inside.has(a.parent_id) && !inside.has(a.id)) {
        inside.add(a.id);
        grew = true;
      }
    }
  }
  const above = new Set<string>();
  for (let at: string | null = areaId; at; at = areas.find((a) => a.id === at)!.parent_id) above.add(at);
  const now = NOW.getTime();
  const day = today();
  const [dayStart, dayEnd] = [Date.parse(`${day}T00:00:00+08:00`), Date.parse(`${addDays(day, 1)}T00:00:00+08:00`)];
  const within = (t: Date | null, days: number) => t !== null && t.getTime() > now - days * DAY && t.getTime() <= now;

  const cases = (await q(`SELECT area_id, category, status, due_at, supervising_organization_id, reported_at, closed_at, resolved_at, merged_into_id FROM case_record`))
    .filter((c: any) => inside.has(c.area_id) && c.merged_into_id === null);
  const open = cases.filter((c: any) => OPEN.has(c.status));
  const buckets = new Map<string, number>();
  for (const c of open) buckets.set(`${c.category}|${c.status}`, (buckets.get(`${c.category}|${c.status}`) ?? 0) + 1);
  const resolved = cases.filter((c: any) => within(c.resolved_at, 30));

  const patrols = (await q(`SELECT id, area_id, status, planned_start FROM patrol`)).filter((p: any) => inside.has(p.area_id));
  const todays = new Set(patrols.filter((p: any) => p.status !== 'CANCELLED' && p.planned_start.getTime() >= dayStart && p.planned_start.getTime() < dayEnd).map((p: any) => p.id));
  const planned = new Set((await q(`SELECT patrol_id, checkpoint_id FROM patrol_planned_checkpoint`)).filter((r: any) => todays.has(r.patrol_id)).map((r: any) => r.checkpoint_id));
  const visited = new Set(
    (await q(`SELECT patrol_id, checkpoint_id, kind, flagged, device_time FROM patrol_event`))
      .filter((e: any) => todays.has(e.patrol_id) && e.kind === 'CHECKPOINT' && !e.flagged && e.device_time.getTime() >= dayStart && e.device_time.getTime() < dayEnd && planned.has(e.checkpoint_id))
      .map((e: any) => e.checkpoint_id),
  );

  const meetings = (await q(`SELECT id, area_id, status, starts_at FROM meeting`)).filter((m: any) => inside.has(m.area_id));
  const meetingIds = new Set(meetings.map((m: any) => m.id));
  const actions = (await q(`SELECT meeting_id, status, to_char(due_on, 'YYYY-MM-DD') AS due_on FROM action_item`)).filter((a: any) => meetingIds.has(a.meeting_id) && ['OPEN', 'IN_PROGRESS'].includes(a.status));

  const scoped = new Map<string, string[]>();
  for (const r of await q(`SELECT contract_id, area_id FROM contract_area`)) scoped.set(r.contract_id, [...(scoped.get(r.contract_id) ?? []), r.area_id]);
  const contracts = (await q(`SELECT id, status, to_char(ends_on, 'YYYY-MM-DD') AS ends_on FROM contract`)).filter(
    (k: any) => k.status === 'ACTIVE' && k.ends_on >= day && (scoped.get(k.id) ?? []).some((a) => inside.has(a) || above.has(a)),
  );

  return {
    cases: {
      open: open.length,
      overdue: open.filter((c: any) => c.due_at.getTime() < now).length,
      supervisedOpen: open.filter((c: any) => c.supervising_organization_id !== null).length,
      openedLast7Days: cases.filter((c: any) => within(c.reported_at, 7)).length,
      openedLast30Days: cases.filter((c: any) => within(c.reported_at, 30)).length,
      closedLast7Days: cases.filter((c: any) => within(c.closed_at, 7)).length,
      closedLast30Days: cases.filter((c: any) => within(c.closed_at, 30)).length,
      resolvedLast30Days: resolved.length,
      medianHoursToResolve: median(resolved.map((c: any) => (c.resolved_at.getTime() - c.reported_at.getTime()) / HOUR)),
      openByCategoryAndStatus: [...buckets].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, count]) => ({ category: key.split('|')[0], status: key.split('|')[1], count })),
    },
    patrols: {
      onDuty: patrols.filter((p: any) => p.status === 'ACTIVE').length,
      plannedToday: todays.size,
      checkpointsPlannedToday: planned.size,
      checkpointsVisitedToday: visited.size,
      checkpointCoverage: planned.size ? visited.size / planned.size : null,
    },
    meetings: {
      upcomingNext30Days: meetings.filter((m: any) => m.status === 'SCHEDULED' && m.starts_at.getTime() >= now && m.starts_at.getTime() < now + 30 * DAY).length,
      overdueActionItems: actions.filter((a: any) => a.due_on < day).length,
      openActionItems: actions.length,
    },
    contracts: { active: contracts.length, expiringWithin30Days: contracts.filter((k: any) => k.ends_on <= addDays(day, 30)).length },
    communities: areas.filter((a) => inside.has(a.id) && ['COMMUNITY', 'VILLAGE'].includes(a.kind)).length,
  };
}

describe('jurisdictionDashboard figures on the demo data', () => {
  const viewers = [
    { who: 'the liaison officer on her street', email: 'liaison@gongzhi.demo', area: '中山路街道', busy: true },
    { who: 'a platform admin on the district', email: 'admin@gongzhi.demo', area: '沙市區', busy: true },
    { who: 'a Wuhan community committee on its own community', email: 'minyi.admin@gongzhi.demo', area: '民意街社區', busy: false },
  ];

  test.each(viewers)('given $who, then every figure equals its plain computation, and each figure asked alone equals it too', async ({ email, area: name, busy }) => {
    const area = await demoArea(name);
    const token = await tokenForEmail(h, email);
    const variables = { area: toGlobalId('Area', area.id) };
    const full = await gql(h.server.httpUrl, FULL, variables, token);
    expect(full.body.errors).toBeUndefined();
    const d = full.body.data.jurisdictionDashboard;
    const plain = await plainFigures(area.id);
    expect(d.area).toEqual({ name });
    expect(d.cases).toEqual(plain.cases);
    expect(d.patrols).toEqual(plain.patrols);
    expect(d.meetings).toEqual(plain.meetings);
    expect(d.contracts).toEqual(plain.contracts);
    expect(d.screening.communities).toBe(plain.communities);
    // A fixture that counts nothing would pass the comparisons above vacuously: the demo's city has some of everything.
    if (busy) {
      const counts = [...Object.values(d.cases), ...Object.values(d.patrols), ...Object.values(d.meetings), d.contracts.active];
      expect(counts.filter((v) => v === 0 || v === null || (Array.isArray(v) && v.length === 0))).toEqual([]);
    }

    for (const [section, fields] of Object.entries(FIELDS) as [Section, readonly string[]][]) {
      for (const field of fields) {
        const alone = await gql(h.server.httpUrl, document(`${section} { ${field} }`), variables, token);
        const key = field.split(' ')[0];
        expect({ [section]: { [key]: alone.body.data.jurisdictionDashboard[section][key] } }).toEqual({ [section]: { [key]: d[section][key] } });
      }
    }
  });

  test('given an organisation of another city, then the street is null, whatever is selected, like an unknown area', async () => {
    const token = await tokenForEmail(h, 'minyi.admin@gongzhi.demo');
    const street = await demoArea('中山路街道');
    for (const query of [FULL, BENCH, document('__typename')]) {
      const res = await gql(h.server.httpUrl, query, { area: toGlobalId('Area', street.id) }, token);
      expect(res.body).toEqual({ data: { jurisdictionDashboard: null } });
    }
  });

  test('given fragments, aliases and @skip, then the figures they select are there and equal the plain ones', async () => {
    const area = await demoArea('中山路街道');
    const query = `query ($area: ID!, $no: Boolean!) { jurisdictionDashboard(areaId: $area) {
      ...Open c: cases { closed: closedLast30Days } patrols @skip(if: $no) { onDuty } meetings { ... on MeetingFigures { openActionItems } } } }
      fragment Open on JurisdictionDashboard { cases { open } }`;
    const res = await gql(h.server.httpUrl, query, { area: toGlobalId('Area', area.id), no: true }, await tokenForEmail(h, 'liaison@gongzhi.demo'));
    const plain = await plainFigures(area.id);
    expect(res.body).toEqual({
      data: { jurisdictionDashboard: { cases: { open: plain.cases.open }, c: { closed: plain.cases.closedLast30Days }, meetings: { openActionItems: plain.meetings.openActionItems } } },
    });
  });
});

describe('jurisdictionDashboard statements', () => {
  test('given the bench document, then at most 3 statements (viewer, area with its covering jurisdictions, figures), the same with many more cases and patrols', async () => {
    const area = await demoArea('中山路街道');
    const variables = { area: toGlobalId('Area', area.id) };
    const tokens = [await tokenForEmail(h, 'admin@gongzhi.demo'), await tokenForEmail(h, 'liaison@gongzhi.demo')];
    const before = await Promise.all(tokens.map((t) => gql(h.server.httpUrl, BENCH, variables, t)));
    const [{ id: grid }] = await h.server.services.db.query(`SELECT id FROM area WHERE path LIKE $1 AND kind = 'GRID' ORDER BY path LIMIT 1`, [`${area.path}%`]);
    const [{ team }] = await h.server.services.db.query(`SELECT p.team_id AS team FROM patrol p JOIN area a ON a.id = p.area_id WHERE a.path LIKE $1 LIMIT 1`, [`${area.path}%`]);
    await h.server.services.db.query(
      `INSERT INTO case_record (reference, category, channel, severity, status, title, description, area_id, due_at, reported_at)
       SELECT 'PLAN-2026-' || lpad(i::text, 6, '0'), (ARRAY['DISPUTE','OTHER','ENVIRONMENT'])[1 + i % 3], 'HOTLINE', 'LOW',
              (ARRAY['REPORTED','TRIAGED'])[1 + i % 2], 'bulk', 'bulk', $1, $2::timestamptz + (i % 5 - 2) * interval '1 day', $2::timestamptz - i * interval '1 hour'
         FROM generate_series(1, 300) AS i`,
      [grid, NOW],
    );
    await h.server.services.db.query(
      `INSERT INTO patrol (team_id, area_id, planned_start, planned_end, status, started_at)
       SELECT $1, $2, $3::timestamptz - interval '1 hour', $3::timestamptz + interval '1 hour', 'ACTIVE', $3::timestamptz - interval '1 hour' FROM generate_series(1, 20)`,
      [team, grid, NOW],
    );
    const after = await Promise.all(tokens.map((t) => gql(h.server.httpUrl, BENCH, variables, t)));
    for (const [i, res] of after.entries()) {
      expect(res.body.data.jurisdictionDashboard.cases.open).toBe(before[i].body.data.jurisdictionDashboard.cases.open + 300);
      expect(res.body.data.jurisdictionDashboard.patrols.onDuty).toBe(before[i].body.data.jurisdictionDashboard.patrols.onDuty + 20);
    }
    expect(expectSameStatementCount(...before, ...after)).toBeLessThanOrEqual(3);
  });

  test('given the bench document, then its statements read none of the tables or windows of figures it does not select', async () => {
    const area = await demoArea('中山路街道');
    const db = h.server.services.db;
    const spy = jest.spyOn(db, 'query');
    try {
      const res = await gql(h.server.httpUrl, BENCH, { area: toGlobalId('Area', area.id) }, await tokenForEmail(h, 'liaison@gongzhi.demo'));
      expect(res.body.errors).toBeUndefined();
      const sql = spy.mock.calls.map(([text]) => String(text)).join('\n');
      expect(sql).toMatch(/case_record/);
      for (const unselected of ['patrol_event', 'patrol_planned_checkpoint', 'action_item', 'meeting', 'contract', 'screening_round', 'closed_at', 'resolved_at']) {
        expect({ unselected, read: new RegExp(`\\b${unselected}\\b`).test(sql) }).toEqual({ unselected, read: false });
      }
    } finally {
      spy.mockRestore();
    }
  });

  test('given the whole dashboard, then still one statement for all its figures (3 in all)', async () => {
    const area = await demoArea('沙市區');
    const res = await gql(h.server.httpUrl, FULL, { area: toGlobalId('Area', area.id) }, await tokenForEmail(h, 'admin@gongzhi.demo'));
    expect(res.body.errors).toBeUndefined();
    expect(res.sqlStatements).toBe(3);
  });

  // Last in the file: it grows the case table that the tests above count.
  test('given 10,000 open cases, a tenth of them in the street, after ANALYZE, when the whole dashboard statement is explained, then case_record is read area by area through an index, never by a sequential scan', async () => {
    const db = h.server.services.db;
    const street = await demoArea('中山路街道');
    const [elsewhere] = await db.query(`SELECT id, path FROM area WHERE code = '420100'`);
    // Given: 100 grids in the street and 900 in another city, 10 open cases reported this week in each, ANALYZEd.
    await db.query(
      `INSERT INTO area (id, name, kind, parent_id, path, depth)
       SELECT id, 'grid ' || n, 'GRID', CASE WHEN n <= 100 THEN $1::uuid ELSE $3::uuid END,
              CASE WHEN n <= 100 THEN $2 ELSE $4 END || id || '/', 5
         FROM (SELECT gen_random_uuid() AS id, n FROM generate_series(1, 1000) n) g`,
      [street.id, street.path, elsewhere.id, elsewhere.path],
    );
    await db.query(
      `INSERT INTO case_record (reference, category, channel, severity, status, title, description, area_id, due_at, reported_at)
       SELECT 'GROWN-' || n, 'OTHER', 'HOTLINE', 'LOW', 'REPORTED', 'grown', 'grown', g.id, now() + interval '3 days', now() - (n % 100) * interval '1 hour'
         FROM generate_series(0, 9999) n
         JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM area WHERE name LIKE 'grid %') g ON g.i = n % 1000`,
    );
    await db.query('ANALYZE');
    // When: the statement of every figure is explained (planned, not run).
    const statement = figuresStatement({ area: street as Area, now: new Date(), day: today() }, everything())!;
    const nodes = await planNodes(db, statement.sql, statement.params);
    // Then: every read of case_record is an index probe, none a sequential scan.
    const reads = nodes.filter((n) => n['Relation Name'] === 'case_record').map((n) => n['Node Type']);
    expect(reads.length).toBeGreaterThanOrEqual(4);
    expect(reads.filter((type) => type === 'Seq Scan')).toEqual([]);
  }, 120_000);
});
