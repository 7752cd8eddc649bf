import { randomUUID } from 'node:crypto';
import { toGlobalId } from '../src/shared/relay/global-id';
import { dayOffset } from './support/contracts';
import { errorCodes, expectSameStatementCount, gql, subscribe, wsClient } from './support/graphql';
import { startHarness, stopHarness, type Harness } from './support/harness';
import { subscribeListening } from './support/listening';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 120_000);
afterAll(() => stopHarness(h));

const q = (sql: string, params: unknown[] = []) => h.server.services.db.query(sql, params);
const lastMonth = (() => {
  const d = new Date(`${dayOffset(0).slice(0, 7)}-01T00:00:00Z`);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1)).toISOString().slice(0, 10);
})();
/** hh:00 China Standard Time on day n of last month. */
const at = (dayOfMonth: number, hour: number) => new Date(Date.parse(`${lastMonth.slice(0, 8)}${String(dayOfMonth).padStart(2, '0')}T00:00:00+08:00`) + hour * 3_600_000);

/** A community-paid team of the community (三板橋社區居委會) in community A, paid from a fund of the community. */
async function givenTeam(): Promise<{ id: string; gid: string; fundId: string; fundGid: string }> {
  const [team] = await q(`INSERT INTO patrol_team (name, kind, organization_id, area_id) VALUES ($1, 'COMMUNITY_PAID', $2, $3) RETURNING id`, [`三板橋社區安防隊 ${randomUUID().slice(0, 4)}`, h.world.orgs.community.id, h.world.areas.communityA.id]);
  const [fund] = await q(`INSERT INTO security_fund (organization_id, name) VALUES ($1, $2) RETURNING id`, [h.world.orgs.community.id, `安防經費 ${randomUUID().slice(0, 4)}`]);
  await q(`INSERT INTO security_fund_team (team_id, fund_id) VALUES ($1, $2)`, [team.id, fund.id]);
  return { id: team.id, gid: toGlobalId('PatrolTeam', team.id), fundId: fund.id, fundGid: toGlobalId('SecurityFund', fund.id) };
}

async function givenPerson(teamId: string, p: { name: string; categories?: string[]; phone?: string; joinedOn?: string; leftOn?: string | null; rate?: number | null; userId?: string | null }): Promise<string> {
  const [row] = await q(
    `INSERT INTO roster_entry (team_id, name, phone, categories, joined_on, left_on, hourly_rate_minor, user_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [teamId, p.name, p.phone ?? '139 0000 0000', p.categories ?? ['PAID_GUARD'], p.joinedOn ?? '2026-01-01', p.leftOn ?? null, p.rate === undefined ? 2_000 : p.rate, p.userId ?? null],
  );
  return row.id;
}

async function givenPatrol(teamId: string, start: Date, hours: number, status = 'COMPLETED', participants: string[] = []): Promise<string> {
  const end = new Date(start.getTime() + hours * 3_600_000);
  const [row] = await q(
    `INSERT INTO patrol (team_id, area_id, planned_start, planned_end, status, started_at, ended_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [teamId, h.world.areas.communityA.id, start, end, status, status === 'COMPLETED' ? start : null, status === 'COMPLETED' ? end : null],
  );
  for (const p of participants) await q(`INSERT INTO patrol_participant (patrol_id, roster_entry_id) VALUES ($1, $2)`, [row.id, p]);
  return row.id;
}

const gid = (type: string, id: string) => toGlobalId(type, id);

describe('hours follow from patrols', () => {
  test("given two completed patrols last month (2 h, 1.5 h), a cancelled one and one this month, when reading the team's hours for last month, then each person's hours are the completed patrols they took part in", async () => {
    const team = await givenTeam();
    const a = await givenPerson(team.id, { name: '李國強' });
    const b = await givenPerson(team.id, { name: '王桂芳' });
    await givenPerson(team.id, { name: '張德勝' });
    await givenPatrol(team.id, at(3, 8), 2, 'COMPLETED', [a, b]);
    await givenPatrol(team.id, at(4, 19), 1.5, 'COMPLETED', [a]);
    await givenPatrol(team.id, at(5, 8), 4, 'MISSED', [a, b]);
    await givenPatrol(team.id, new Date(Date.parse(`${dayOffset(0)}T00:00:00+08:00`) + 60_000), 1, 'COMPLETED', [a]);
    const response = await gql(h.server.httpUrl, `query ($id: ID!, $month: LocalDate!) { patrolTeam(id: $id) { rosterHours(month: $month) { rosterEntry { name } patrols hours } } }`, { id: team.gid, month: lastMonth }, h.world.tokens.communityMember);
    expect(response.body.data.patrolTeam.rosterHours).toEqual([
      { rosterEntry: { name: '張德勝' }, patrols: 0, hours: 0 },
      { rosterEntry: { name: '李國強' }, patrols: 2, hours: 3.5 },
      { rosterEntry: { name: '王桂芳' }, patrols: 1, hours: 2 },
    ]);
  });

  test('given people who left before the patrol and of another team, when the ADMIN records them as participants, then each is refused on its line and nobody is recorded', async () => {
    const team = await givenTeam();
    const other = await givenTeam();
    const present = await givenPerson(team.id, { name: '在隊' });
    const gone = await givenPerson(team.id, { name: '已離隊', joinedOn: '2026-01-01', leftOn: lastMonth });
    const stranger = await givenPerson(other.id, { name: '他隊' });
    const patrol = await givenPatrol(team.id, at(10, 8), 2);
    const response = await gql(
      h.server.httpUrl,
      `mutation ($input: PatrolParticipantsRecordInput!) { patrolParticipantsRecord(input: $input) { patrol { participants { name } } userErrors { field code } } }`,
      { input: { patrolId: gid('Patrol', patrol), rosterEntryIds: [gid('RosterEntry', present), gid('RosterEntry', gone), gid('RosterEntry', stranger)] } },
      h.world.tokens.communityAdmin,
    );
    expect(response.body.data.patrolParticipantsRecord).toEqual({
      patrol: null,
      userErrors: [
        { field: ['input', 'rosterEntryIds', '1'], code: 'OUT_OF_RANGE' },
        { field: ['input', 'rosterEntryIds', '2'], code: 'NOT_PERMITTED_HERE' },
      ],
    });
    expect((await q(`SELECT count(*)::int AS n FROM patrol_participant WHERE patrol_id = $1`, [patrol]))[0].n).toBe(0);
  });

  test('given a completed patrol, when the ADMIN records who took part, then the patrol lists them and their hours count', async () => {
    const team = await givenTeam();
    const a = await givenPerson(team.id, { name: '劉春梅' });
    const patrol = await givenPatrol(team.id, at(12, 14), 3);
    const response = await gql(
      h.server.httpUrl,
      `mutation ($input: PatrolParticipantsRecordInput!, $month: LocalDate!) { patrolParticipantsRecord(input: $input) { patrol { participants { name hours(month: $month) { patrols hours } } } userErrors { field code } } }`,
      { input: { patrolId: gid('Patrol', patrol), rosterEntryIds: [gid('RosterEntry', a)] }, month: lastMonth },
      h.world.tokens.communityAdmin,
    );
    expect(response.body.data.patrolParticipantsRecord).toEqual({ patrol: { participants: [{ name: '劉春梅', hours: { patrols: 1, hours: 3 } }] }, userErrors: [] });
  });
});

const DRAW = `mutation ($input: FundPayoutFromHoursInput!) { fundPayoutFromHours(input: $input) { entry { kind category status amountMinor hours rateMinorPerHour payMonth payee { name } } userErrors { field code } } }`;

describe('pay drawn from hours', () => {
  test('given a paid guard with 3.5 hours last month at 20.00 an hour, when a member draws their pay, then a pending GUARD_PAY payout of 70.00 names them', async () => {
    const team = await givenTeam();
    const guard = await givenPerson(team.id, { name: '陳建華', rate: 2_000 });
    await givenPatrol(team.id, at(3, 8), 2, 'COMPLETED', [guard]);
    await givenPatrol(team.id, at(4, 19), 1.5, 'COMPLETED', [guard]);
    const response = await gql(h.server.httpUrl, DRAW, { input: { fundId: team.fundGid, rosterEntryId: gid('RosterEntry', guard), month: lastMonth } }, h.world.tokens.communityMember);
    expect(response.body.data.fundPayoutFromHours).toEqual({
      entry: { kind: 'PAYOUT', category: 'GUARD_PAY', status: 'PENDING', amountMinor: 7_000, hours: 3.5, rateMinorPerHour: 2_000, payMonth: lastMonth, payee: { name: '陳建華' } },
      userErrors: [],
    });
  });

  test('given pay already drawn for last month, when it is drawn again, then PAY_DRAWN', async () => {
    const team = await givenTeam();
    const guard = await givenPerson(team.id, { name: '趙大勇' });
    await givenPatrol(team.id, at(3, 8), 2, 'COMPLETED', [guard]);
    await q(
      `INSERT INTO fund_entry (fund_id, kind, category, occurred_on, amount_minor, status, recorded_by_user_id, roster_entry_id, pay_month, hours, rate_minor_per_hour) VALUES ($1, 'PAYOUT', 'GUARD_PAY', $2, 4000, 'PENDING', $3, $4, $5, 2, 2000)`,
      [team.fundId, dayOffset(0), h.world.users.communityMember.id, guard, lastMonth],
    );
    const response = await gql(h.server.httpUrl, DRAW, { input: { fundId: team.fundGid, rosterEntryId: gid('RosterEntry', guard), month: lastMonth } }, h.world.tokens.communityMember);
    expect(response.body.data.fundPayoutFromHours).toEqual({ entry: null, userErrors: [{ field: ['input', 'month'], code: 'PAY_DRAWN' }] });
  });

  test('given a volunteer with hours, when their pay is drawn, then NOT_PERMITTED_HERE: volunteers are not paid', async () => {
    const team = await givenTeam();
    const volunteer = await givenPerson(team.id, { name: '孫阿姨', categories: ['VOLUNTEER', 'RETIRED'] });
    await givenPatrol(team.id, at(3, 8), 2, 'COMPLETED', [volunteer]);
    const response = await gql(h.server.httpUrl, DRAW, { input: { fundId: team.fundGid, rosterEntryId: gid('RosterEntry', volunteer), month: lastMonth, rateMinorPerHour: 1_000 } }, h.world.tokens.communityMember);
    expect(response.body.data.fundPayoutFromHours).toEqual({ entry: null, userErrors: [{ field: ['input', 'rosterEntryId'], code: 'NOT_PERMITTED_HERE' }] });
  });

  test('given a guard of a team another fund pays, when the pay is drawn from this fund, then NOT_PERMITTED_HERE', async () => {
    const team = await givenTeam();
    const other = await givenTeam();
    const guard = await givenPerson(other.id, { name: '周師傅' });
    await givenPatrol(other.id, at(3, 8), 2, 'COMPLETED', [guard]);
    const response = await gql(h.server.httpUrl, DRAW, { input: { fundId: team.fundGid, rosterEntryId: gid('RosterEntry', guard), month: lastMonth } }, h.world.tokens.communityMember);
    expect(response.body.data.fundPayoutFromHours).toEqual({ entry: null, userErrors: [{ field: ['input', 'rosterEntryId'], code: 'NOT_PERMITTED_HERE' }] });
  });

  test('given pay drawn from a patrol\'s hours, when the participants of that patrol are changed, then PAY_DRAWN and the hours stay', async () => {
    const team = await givenTeam();
    const guard = await givenPerson(team.id, { name: '吳師傅' });
    const patrol = await givenPatrol(team.id, at(3, 8), 2, 'COMPLETED', [guard]);
    await q(
      `INSERT INTO fund_entry (fund_id, kind, category, occurred_on, amount_minor, status, recorded_by_user_id, roster_entry_id, pay_month, hours, rate_minor_per_hour) VALUES ($1, 'PAYOUT', 'GUARD_PAY', $2, 4000, 'PENDING', $3, $4, $5, 2, 2000)`,
      [team.fundId, dayOffset(0), h.world.users.communityMember.id, guard, lastMonth],
    );
    const response = await gql(h.server.httpUrl, `mutation ($input: PatrolParticipantsRecordInput!) { patrolParticipantsRecord(input: $input) { patrol { id } userErrors { field code } } }`, { input: { patrolId: gid('Patrol', patrol), rosterEntryIds: [] } }, h.world.tokens.communityAdmin);
    expect(response.body.data.patrolParticipantsRecord).toEqual({ patrol: null, userErrors: [{ field: ['input', 'rosterEntryIds'], code: 'PAY_DRAWN' }] });
  });
});

describe('roster changes', () => {
  test('given a roster entry changed since it was read, when the ADMIN updates it with the old version, then CONFLICT and nothing changes', async () => {
    const team = await givenTeam();
    const entry = await givenPerson(team.id, { name: '舊名' });
    await q(`UPDATE roster_entry SET version = 2 WHERE id = $1`, [entry]);
    const response = await gql(h.server.httpUrl, `mutation ($input: RosterEntryUpdateInput!) { rosterEntryUpdate(input: $input) { rosterEntry { name } userErrors { field code } } }`, { input: { rosterEntryId: gid('RosterEntry', entry), expectedVersion: 1, name: '新名' } }, h.world.tokens.communityAdmin);
    expect(response.body.data.rosterEntryUpdate).toEqual({ rosterEntry: null, userErrors: [{ field: ['input', 'expectedVersion'], code: 'CONFLICT' }] });
    expect((await q(`SELECT name FROM roster_entry WHERE id = $1`, [entry]))[0].name).toBe('舊名');
  });
});

describe('who sees the roster', () => {
  const READ = `query ($id: ID!) { node(id: $id) { ... on RosterEntry { name phone hourlyRateMinor categories } } }`;

  test('given a guard with a phone, when each viewer reads the entry, then the team\'s ADMIN, the person and platform admins see the phone; members and the police station see the name only; outsiders see nothing', async () => {
    const team = await givenTeam();
    const entry = await givenPerson(team.id, { name: '王桂芳', phone: '139 7100 1202', rate: 1_500, userId: h.world.users.resident.id, categories: ['PAID_GUARD', 'LOW_INCOME'] });
    const seen: Record<string, unknown> = {};
    for (const role of ['communityAdmin', 'resident', 'platformAdmin', 'communityMember', 'policeLiaison', 'outsider', 'securityAdmin'] as const) {
      seen[role] = (await gql(h.server.httpUrl, READ, { id: gid('RosterEntry', entry) }, h.world.tokens[role])).body.data.node;
    }
    const full = { name: '王桂芳', phone: '139 7100 1202', hourlyRateMinor: 1_500, categories: ['PAID_GUARD', 'LOW_INCOME'] };
    const nameOnly = { name: '王桂芳', phone: null, hourlyRateMinor: null, categories: ['PAID_GUARD', 'LOW_INCOME'] };
    expect(seen).toEqual({ communityAdmin: full, resident: full, platformAdmin: full, communityMember: nameOnly, policeLiaison: nameOnly, outsider: null, securityAdmin: null });
  });
});

describe('recognition', () => {
  const AWARD = `mutation ($input: RosterRecognitionAwardInput!) { rosterRecognitionAward(input: $input) { recognition { kind points reason awardedByOrganization { name } rosterEntry { name points } } userErrors { field code } } }`;

  test("given a guard, when the police station's ADMIN commends them, then the commendation is the station's and counts in their points", async () => {
    const team = await givenTeam();
    const entry = await givenPerson(team.id, { name: '陳建華' });
    const response = await gql(h.server.httpUrl, AWARD, { input: { rosterEntryId: gid('RosterEntry', entry), kind: 'COMMENDATION', points: 20, reason: '協助民警抓獲盜竊嫌疑人' } }, h.world.tokens.policeAdmin);
    expect(response.body.data.rosterRecognitionAward).toEqual({
      recognition: { kind: 'COMMENDATION', points: 20, reason: '協助民警抓獲盜竊嫌疑人', awardedByOrganization: { name: '中山路派出所' }, rosterEntry: { name: '陳建華', points: 20 } },
      userErrors: [],
    });
  });

  test('given a guard, when a MEMBER of the community awards points, then FORBIDDEN', async () => {
    const team = await givenTeam();
    const entry = await givenPerson(team.id, { name: '李國強' });
    const response = await gql(h.server.httpUrl, AWARD, { input: { rosterEntryId: gid('RosterEntry', entry), kind: 'POINTS', points: 5, reason: '全月無缺勤' } }, h.world.tokens.communityMember);
    expect(errorCodes(response)).toEqual(['FORBIDDEN']);
  });
});

describe('roster events', () => {
  const UPDATES = `subscription ($teamId: ID!) { rosterUpdates(teamId: $teamId) { type rosterEntry { name } recognition { points } } }`;

  test('given the police liaison and an outsider watching a team, when the ADMIN awards points, then the liaison receives it (no name or phone in the logged event) and the outsider is refused as for an unknown team', async () => {
    const team = await givenTeam();
    const entry = await givenPerson(team.id, { name: '劉春梅', phone: '139 7100 1204' });
    const liaison = wsClient(h.server.wsUrl, h.world.tokens.policeLiaison);
    const outsider = wsClient(h.server.wsUrl, h.world.tokens.outsider);
    const outsiderSub = subscribe(outsider, UPDATES, { teamId: team.gid });
    const liaisonSub = await subscribeListening(h.server, liaison, UPDATES, { teamId: team.gid });
    await gql(h.server.httpUrl, `mutation ($input: RosterRecognitionAwardInput!) { rosterRecognitionAward(input: $input) { userErrors { code } } }`, { input: { rosterEntryId: gid('RosterEntry', entry), kind: 'POINTS', points: 5, reason: '全月無缺勤' } }, h.world.tokens.communityAdmin);
    const [first] = await liaisonSub.waitFor(1);
    expect(first.data!.rosterUpdates).toEqual({ type: 'roster.recognitionAwarded', rosterEntry: { name: '劉春梅' }, recognition: { points: 5 } });
    await outsiderSub.ended;
    expect(JSON.stringify(outsiderSub.received)).toContain('NOT_FOUND');
    const [event] = await q(`SELECT payload FROM event WHERE topic = 'roster' AND subject_id = $1`, [team.id]);
    expect(JSON.stringify(event.payload)).not.toMatch(/劉春梅|7100/);
    await liaison.dispose();
    await outsider.dispose();
  });

  test('given participants recorded, when the police station and an outsider poll the event feed for ROSTER, then the station gets the team, patrol and people as global ids, the outsider nothing', async () => {
    const team = await givenTeam();
    const a = await givenPerson(team.id, { name: '黃師傅' });
    const patrol = await givenPatrol(team.id, at(6, 8), 2);
    await gql(h.server.httpUrl, `mutation ($input: PatrolParticipantsRecordInput!) { patrolParticipantsRecord(input: $input) { userErrors { code } } }`, { input: { patrolId: gid('Patrol', patrol), rosterEntryIds: [gid('RosterEntry', a)] } }, h.world.tokens.communityAdmin);
    const FEED = `query { events(first: 100, topics: [ROSTER]) { nodes { type subjectId data } } }`;
    const [police, outsider] = await Promise.all([gql(h.server.httpUrl, FEED, {}, h.world.tokens.policeLiaison), gql(h.server.httpUrl, FEED, {}, h.world.tokens.outsider)]);
    expect(police.body.data.events.nodes.filter((e: { subjectId: string }) => e.subjectId === team.gid)).toEqual([
      { type: 'roster.participantsRecorded', subjectId: team.gid, data: { teamId: team.gid, patrolId: gid('Patrol', patrol), rosterEntryIds: [gid('RosterEntry', a)], month: lastMonth } },
    ]);
    expect(outsider.body.data.events.nodes).toEqual([]);
  });
});

describe('per-request loaders', () => {
  /** A team of 30, each on one patrol last month, with a recognition and a guard-pay entry naming them. */
  async function givenThirty(): Promise<Awaited<ReturnType<typeof givenTeam>>> {
    const team = await givenTeam();
    const patrol = await givenPatrol(team.id, at(8, 8), 2);
    for (let i = 0; i < 30; i++) {
      const person = await givenPerson(team.id, { name: `隊員${String(i).padStart(2, '0')}` });
      await q(`INSERT INTO patrol_participant (patrol_id, roster_entry_id) VALUES ($1, $2)`, [patrol, person]);
      await q(`INSERT INTO roster_recognition (roster_entry_id, kind, points, reason, awarded_on, awarded_by_user_id, awarded_by_organization_id) VALUES ($1, 'POINTS', 5, '全月無缺勤', $2, $3, $4)`, [person, dayOffset(0), h.world.users.communityAdmin.id, h.world.orgs.community.id]);
      await q(
        `INSERT INTO fund_entry (fund_id, kind, category, occurred_on, amount_minor, status, recorded_by_user_id, approved_by_user_id, approved_at, roster_entry_id, pay_month) VALUES ($1, 'PAYOUT', 'GUARD_PAY', $2, 120000, 'COUNTED', $3, $4, now(), $5, $6)`,
        [team.fundId, dayOffset(0), h.world.users.communityMember.id, h.world.users.communityAdmin.id, person, lastMonth],
      );
    }
    return team;
  }

  test('given a team of 30 with hours and recognitions, when its roster is read 3 or 30 at a time, then both cost the same number of SQL statements', async () => {
    const team = await givenThirty();
    const READ = `query ($team: ID!, $first: Int!, $month: LocalDate!) {
      patrolTeam(id: $team) { roster(first: $first) { nodes { name phone hourlyRateMinor points hours(month: $month) { hours } recognitions { points awardedBy { displayName } awardedByOrganization { name } } team { name } } } }
    }`;
    const few = await gql(h.server.httpUrl, READ, { team: team.gid, first: 3, month: lastMonth }, h.world.tokens.communityAdmin);
    const many = await gql(h.server.httpUrl, READ, { team: team.gid, first: 30, month: lastMonth }, h.world.tokens.communityAdmin);
    expect(many.body.errors).toBeUndefined();
    expect(many.body.data.patrolTeam.roster.nodes).toHaveLength(30);
    expect(many.body.data.patrolTeam.roster.nodes[29]).toMatchObject({ phone: '139 0000 0000', points: 5, hours: { hours: 2 } });
    expectSameStatementCount(few, many);
  });

  test('given a fund with 30 guard-pay entries naming their payees, when its entries are read 3 or 30 at a time, then both cost the same number of SQL statements', async () => {
    const team = await givenThirty();
    const READ = `query ($fund: ID!, $first: Int!) {
      securityFund(id: $fund) { entries(first: $first) { nodes { amountMinor recordedBy { displayName } approvedBy { displayName } reversedBy { id } payee { name phone } fund { name } } } }
    }`;
    const few = await gql(h.server.httpUrl, READ, { fund: team.fundGid, first: 3 }, h.world.tokens.communityAdmin);
    const many = await gql(h.server.httpUrl, READ, { fund: team.fundGid, first: 30 }, h.world.tokens.communityAdmin);
    expect(many.body.errors).toBeUndefined();
    expect(many.body.data.securityFund.entries.nodes).toHaveLength(30);
    expect(many.body.data.securityFund.entries.nodes[29].payee.phone).toBe('139 0000 0000');
    expectSameStatementCount(few, many);
  });
});
