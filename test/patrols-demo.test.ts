import { loadDemoData } from '../src/demo';
import { clock } from '../src/shared/clock';
import { toGlobalId } from '../src/shared/relay/global-id';
import { gql } from './support/graphql';
import { startHarness, stopHarness, tokenForEmail, type Harness } from './support/harness';

let h: Harness;
/** hh:00 China Standard Time today. */
const todayAt = (hour: number) => new Date(Date.parse(`${new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date())}T00:00:00+08:00`) + hour * 3_600_000);

beforeAll(async () => {
  h = await startHarness();
  // Loaded at 10:00 China Standard Time: the daytime door watch is on duty.
  clock.freeze(todayAt(10));
  await loadDemoData(h.server.services.db, h.server.services.log);
  clock.reset();
}, 120_000);
afterAll(() => stopHarness(h));

const tokenFor = (email: string) => tokenForEmail(h, email);

/** The demo's area of this name (the test world has areas with the same names). */
function demoArea(name: string): Promise<{ id: string }[]> {
  return h.server.services.db.query(`SELECT a.id FROM area a JOIN area d ON a.path LIKE d.path || '%' WHERE d.code = '421002' AND a.name = $1`, [name]);
}

const WEEK = `query ($area: ID!) {
  patrolTeams(first: 20) { totalCount nodes { name kind } }
  onDuty: patrolsOnDuty(areaId: $area) { nodes { team { name } status } }
  week: patrols(withinAreaId: $area, statuses: [COMPLETED, MISSED], first: 100) { totalCount nodes { status team { name } coverage { ratio missedCheckpoints { name } } } }
}`;

describe('patrols demo data', () => {
  test('given the demo data, when the volunteer coordinator looks at Sanbanqiao, then a week of patrols shows missed checkpoints, a missed shift and a patrol on duty', async () => {
    const [area] = await demoArea('三板橋社區');
    const response = await gql(h.server.httpUrl, WEEK, { area: toGlobalId('Area', area.id) }, await tokenFor('coordinator@gongzhi.demo'));
    expect(response.body.errors).toBeUndefined();
    const data = response.body.data;
    // The three hand-made teams come first; the rest of the seed's 324 volunteer teams (generated, 第NN隊) follow.
    expect(data.patrolTeams.nodes.slice(0, 3).map((t: any) => t.name)).toEqual(['三板橋社區義務巡防一隊', '三板橋社區義務巡防三隊', '三板橋社區義務巡防二隊']);
    expect(data.patrolTeams.totalCount).toBe(324);
    expect(data.onDuty.nodes).toEqual([{ team: { name: '三板橋社區義務巡防三隊' }, status: 'ACTIVE' }]);
    expect(data.week.totalCount).toBe(14);
    expect(data.week.nodes.filter((p: any) => p.status === 'MISSED')).toHaveLength(1);
    expect(data.week.nodes.filter((p: any) => p.coverage.missedCheckpoints.length > 0).length).toBeGreaterThanOrEqual(4);
  });

  test("given the demo data, when the police station looks at its jurisdiction, then it sees the volunteers' and the security company's patrols", async () => {
    const [area] = await demoArea('中山路街道');
    const response = await gql(h.server.httpUrl, WEEK, { area: toGlobalId('Area', area.id) }, await tokenFor('liaison@gongzhi.demo'));
    const teams = new Set(response.body.data.week.nodes.map((p: any) => p.team.name));
    expect(teams).toEqual(new Set(['三板橋社區義務巡防一隊', '三板橋社區義務巡防二隊', '沙市保安三板橋巡邏隊']));
    // Per day: two volunteer shifts, the security company's 09:00 and 21:00 rounds, and the 23:00-02:00 night shift the joint meeting agreed.
    expect(response.body.data.week.totalCount).toBe(35);
  });
});

describe('patrols demo data loaded at night', () => {
  let night: Harness;
  beforeAll(async () => {
    night = await startHarness();
    clock.freeze(todayAt(3));
    await loadDemoData(night.server.services.db, night.server.services.log);
    clock.reset();
  }, 120_000);
  afterAll(() => stopHarness(night));

  test('given the demo loaded at 03:00 China Standard Time, then no daytime patrol is on duty and every volunteer shift lies between 08:00 and 18:00', async () => {
    const [row] = await night.server.services.db.query(`
      SELECT count(*) FILTER (WHERE p.status = 'ACTIVE')::int AS active,
             count(*) FILTER (WHERE extract(hour FROM p.planned_start AT TIME ZONE 'Asia/Shanghai') < 8 OR extract(hour FROM p.planned_end AT TIME ZONE 'Asia/Shanghai') > 18)::int AS outside_day
        FROM patrol p JOIN patrol_team t ON t.id = p.team_id WHERE t.kind = 'VOLUNTEER'`);
    expect(row).toEqual({ active: 0, outside_day: 0 });
  });

  test("given the demo loaded at 03:00 China Standard Time, then the security company's paid guards are on duty in Sanbanqiao", async () => {
    const [area] = await night.server.services.db.query(`SELECT a.id FROM area a JOIN area d ON a.path LIKE d.path || '%' WHERE d.code = '421002' AND a.name = '三板橋社區'`);
    const response = await gql(night.server.httpUrl, WEEK, { area: toGlobalId('Area', area.id) }, await tokenForEmail(night, 'liaison@gongzhi.demo'));
    expect(response.body.data.onDuty.nodes).toEqual([{ team: { name: '沙市保安三板橋巡邏隊' }, status: 'ACTIVE' }]);
  });
});
