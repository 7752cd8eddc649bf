import { loadDemoData } from '../src/demo';
import { SHASHI_SCALE } from '../src/demo/demo.roster-scale';
import { toGlobalId } from '../src/shared/relay/global-id';
import { dayOffset } from './support/contracts';
import { gql } from './support/graphql';
import { startHarness, stopHarness, tokenForEmail, type Harness } from './support/harness';

let h: Harness;
let loadMs = 0;
beforeAll(async () => {
  h = await startHarness();
  const started = Date.now();
  await loadDemoData(h.server.services.db, h.server.services.log);
  loadMs = Date.now() - started;
}, 180_000);
afterAll(() => stopHarness(h));

const q = (sql: string, params: unknown[] = []) => h.server.services.db.query(sql, params);
/** The demo's area of this name (the test world has areas with the same names). */
const demoArea = async (name: string): Promise<string> => (await q(`SELECT a.id FROM area a JOIN area d ON a.path LIKE d.path || '%' WHERE d.code IN ('421002', '420103') AND a.name = $1`, [name]))[0].id;

describe('rosters at the seed scale', () => {
  test("given the demo data, when counting Shashi's teams and the people on them, then they are the seed's 324 volunteer teams with 1,614 people and 260 paid teams with 520 people", async () => {
    const shashi = await demoArea('沙市區');
    const rows = await q(
      `SELECT t.kind, count(DISTINCT t.id)::int AS teams, count(r.id)::int AS people,
              count(DISTINCT t.id) FILTER (WHERE NOT EXISTS (SELECT 1 FROM roster_entry x WHERE x.team_id = t.id))::int AS empty
         FROM patrol_team t JOIN area a ON a.id = t.area_id LEFT JOIN roster_entry r ON r.team_id = t.id AND r.left_on IS NULL
        WHERE a.path LIKE (SELECT path FROM area WHERE id = $1) || '%' AND t.kind IN ('VOLUNTEER','COMMUNITY_PAID') GROUP BY t.kind ORDER BY t.kind`,
      [shashi],
    );
    expect(rows).toEqual([
      { kind: 'COMMUNITY_PAID', teams: SHASHI_SCALE.paidTeams, people: SHASHI_SCALE.paidGuards, empty: 0 },
      { kind: 'VOLUNTEER', teams: SHASHI_SCALE.volunteerTeams, people: SHASHI_SCALE.volunteers, empty: 0 },
    ]);
    expect(SHASHI_SCALE).toEqual({ volunteerTeams: 324, volunteers: 1614, paidTeams: 260, paidGuards: 520 });
    // Generated in set-based statements: the whole demo still loads in seconds.
    expect(loadMs).toBeLessThan(60_000);
  });

  test('given the demo data, when asking which fund pays each paid team, then every one is paid from a fund of the resident committee of its own community, and every paid guard is a laid-off or low-income resident', async () => {
    const [row] = await q(
      `SELECT count(*)::int AS teams,
              count(*) FILTER (WHERE f.id IS NOT NULL AND o.kind = 'RESIDENT_COMMITTEE' AND o.home_area_id = t.area_id)::int AS own_community,
              (SELECT count(*)::int FROM roster_entry r JOIN patrol_team x ON x.id = r.team_id
                WHERE x.kind = 'COMMUNITY_PAID' AND x.organization_id = t0.organization_id
                  AND NOT ('PAID_GUARD' = ANY(r.categories) AND (r.categories && ARRAY['LAID_OFF_WORKER','LOW_INCOME']))) AS other_guards
         FROM patrol_team t JOIN (SELECT DISTINCT organization_id FROM patrol_team WHERE name LIKE '%安防隊第%') t0 ON t0.organization_id = t.organization_id
         LEFT JOIN security_fund_team ft ON ft.team_id = t.id LEFT JOIN security_fund f ON f.id = ft.fund_id LEFT JOIN organization o ON o.id = f.organization_id
        WHERE t.kind = 'COMMUNITY_PAID'
        GROUP BY t0.organization_id`,
    );
    expect(row).toEqual({ teams: 260, own_community: 260, other_guards: 0 });
  });

  test("given the demo data, when the Minyi committee's ADMIN reads its team, then every round of last month lists two guards, their hours add up, last month's pay was drawn from those hours, and the fund's quarters are published", async () => {
    const minyi = await q(`SELECT id FROM patrol_team WHERE name = '民意街社區安保巡邏隊'`);
    const d = new Date(`${dayOffset(0).slice(0, 7)}-01T00:00:00Z`);
    const lastMonth = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1)).toISOString().slice(0, 10);
    const response = await gql(
      h.server.httpUrl,
      `query ($team: ID!, $month: LocalDate!) {
        patrolTeam(id: $team) {
          rosterHours(month: $month) { patrols hours rosterEntry { name phone categories } }
          fund { name statements { periodStart periodEnd closingBalanceMinor } entries(first: 100) { nodes { category status payMonth hours amountMinor payee { name } } } }
        }
      }`,
      { team: toGlobalId('PatrolTeam', minyi[0].id), month: lastMonth },
      await tokenForEmail(h, 'minyi.admin@gongzhi.demo'),
    );
    expect(response.body.errors).toBeUndefined();
    const team = response.body.data.patrolTeam;
    const [{ rounds }] = await q(`SELECT count(*)::int AS rounds FROM patrol WHERE team_id = $1 AND status = 'COMPLETED' AND planned_start >= $2::timestamp AT TIME ZONE 'Asia/Shanghai' AND planned_start < ($2::date + interval '1 month')::timestamp AT TIME ZONE 'Asia/Shanghai'`, [minyi[0].id, lastMonth]);
    expect(team.rosterHours).toHaveLength(5);
    expect(team.rosterHours.reduce((n: number, r: { patrols: number }) => n + r.patrols, 0)).toBe(rounds * 2);
    expect(team.rosterHours.every((r: { rosterEntry: { phone: string | null; categories: string[] } }) => r.rosterEntry.phone !== null && r.rosterEntry.categories.includes('PAID_GUARD'))).toBe(true);
    const drawn = team.fund.entries.nodes.filter((e: { payMonth: string | null; hours: number | null }) => e.payMonth === lastMonth && e.hours !== null);
    expect(drawn.map((e: { payee: { name: string }; hours: number }) => [e.payee.name, e.hours]).sort()).toEqual(team.rosterHours.map((r: { rosterEntry: { name: string }; hours: number }) => [r.rosterEntry.name, r.hours]).sort());
    expect(drawn.every((e: { status: string; amountMinor: number; hours: number }) => e.status === 'COUNTED' && e.amountMinor === Math.round(e.hours * 4_800))).toBe(true);
    expect(team.fund.statements.length).toBeGreaterThanOrEqual(1);
    // 每季度向居民公開經費收支: each published statement is one calendar quarter.
    for (const s of team.fund.statements) expect([s.periodStart.slice(5), s.periodEnd.slice(5)]).toEqual(expect.arrayContaining([expect.stringMatching(/^(01|04|07|10)-01$/), expect.stringMatching(/^(03-31|06-30|09-30|12-31)$/)]));
  });

  test("given the demo data, when Sanbanqiao's committee ADMIN reads its fund, then last month's back pay (補發) is recorded, part approved by the ADMIN and part waiting, and the month before last is published", async () => {
    const response = await gql(
      h.server.httpUrl,
      `{ securityFunds(first: 10) { nodes { name teams { name } statements { periodStart } entries(first: 100) { nodes { description status recordedBy { displayName } approvedBy { displayName } } } } } }`,
      {},
      await tokenForEmail(h, 'community.admin@gongzhi.demo'),
    );
    expect(response.body.errors).toBeUndefined();
    const fund = response.body.data.securityFunds.nodes.find((f: { name: string }) => f.name === '三板橋社區安防經費');
    const backPay = fund.entries.nodes.filter((e: { description: string }) => e.description.startsWith('補發')).sort((a: { description: string }, b: { description: string }) => a.description.localeCompare(b.description, 'zh-Hant'));
    expect(backPay.map((e: { status: string; recordedBy: { displayName: string }; approvedBy: { displayName: string } | null }) => [e.status, e.recordedBy.displayName, e.approvedBy?.displayName ?? null])).toEqual([
      ['COUNTED', '劉偉', '張秀蘭'],
      ['PENDING', '劉偉', null],
    ]);
    expect(fund.statements).toHaveLength(1);
    expect(fund.teams).toHaveLength(6);
  });
});
