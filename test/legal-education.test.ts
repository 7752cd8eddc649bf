import { randomUUID } from 'node:crypto';
import { gql } from './support/graphql';
import { startHarness, stopHarness, type Harness } from './support/harness';
import { toGlobalId } from '../src/shared/relay/global-id';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 120_000);
afterAll(() => stopHarness(h));

const DAY = 86_400_000;
const YEAR = new Date().getUTCFullYear();

/** An activity written straight into the store (the given), in the year under test unless `at` says otherwise. */
async function activity(fields: { org?: string; form: string; area: string; status: string; at?: Date; attendance?: number; category?: string; topic?: string; endsAt?: Date }): Promise<string> {
  const at = fields.at ?? new Date(`${YEAR}-03-15T02:00:00Z`);
  const [row] = await h.server.services.db.query(
    `INSERT INTO legal_education_activity (organizer_organization_id, form, topic, area_id, starts_at, ends_at, status, attendance, case_category)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
    [fields.org ?? h.world.orgs.police.id, fields.form, fields.topic ?? '防範入室盜竊', fields.area, at, fields.endsAt ?? new Date(at.getTime() + 2 * 3_600_000), fields.status, fields.attendance ?? null, fields.category ?? null],
  );
  return row.id;
}

async function caseAt(areaId: string, reportedAt: Date, category = 'PUBLIC_SECURITY'): Promise<string> {
  const [row] = await h.server.services.db.query(
    `INSERT INTO case_record (reference, category, channel, severity, status, title, description, area_id, reported_at, due_at)
     VALUES ($1, $2, 'HOTLINE', 'MEDIUM', 'REPORTED', '入室盜竊', '夜間入室盜竊', $3, $4, $4::timestamptz + interval '7 days') RETURNING id`,
    [`LE-${randomUUID().slice(0, 8)}`, category, areaId, reportedAt],
  );
  return row.id;
}

const PLAN_SET = `mutation ($input: LegalEducationPlanSetInput!) { legalEducationPlanSet(input: $input) { plan { id year } userErrors { field code } } }`;
const PROGRESS = `query ($org: ID!, $year: Int!) {
  legalEducationPlan(organizationId: $org, year: $year) {
    year
    progress { targetTotal held cancelled attendance withCasesExplained targets { form area { name } target done pending percent } }
  }
}`;

describe('annual plans: plan versus done', () => {
  test('given a plan of the police station and its activities, when reading the plan, then only HELD activities of the form in the target area count as done', async () => {
    const org = h.world.orgs.police;
    await h.server.services.db.query(`INSERT INTO legal_education_plan (organization_id, year, targets) VALUES ($1, $2, $3)`, [
      org.id,
      YEAR,
      JSON.stringify([
        { form: 'LECTURE', areaId: h.world.areas.communityA.id, count: 4 },
        { form: 'MARKET_DAY_STALL', areaId: null, count: 2 },
      ]),
    ]);
    const a = h.world.areas;
    await activity({ form: 'LECTURE', area: a.gridA.id, status: 'HELD', attendance: 60 }); // in communityA's subtree: counts
    await activity({ form: 'LECTURE', area: a.communityA.id, status: 'HELD', attendance: 40 }); // counts
    await activity({ form: 'LECTURE', area: a.communityB.id, status: 'HELD', attendance: 30 }); // other area: held, not towards the target
    await activity({ form: 'LECTURE', area: a.communityA.id, status: 'PLANNED', at: new Date(`${YEAR}-12-04T02:00:00Z`) }); // pending
    await activity({ form: 'LECTURE', area: a.communityA.id, status: 'CANCELLED' }); // neither
    await activity({ form: 'LECTURE', area: a.communityA.id, status: 'HELD', at: new Date(`${YEAR - 1}-12-04T02:00:00Z`), attendance: 99 }); // last year
    await activity({ form: 'LECTURE', area: a.communityA.id, status: 'HELD', org: h.world.orgs.community.id, attendance: 10 }); // another organiser
    const stall = await activity({ form: 'MARKET_DAY_STALL', area: a.communityB.id, status: 'HELD', attendance: 200 });
    const caseId = await caseAt(a.gridA.id, new Date(`${YEAR}-01-10T02:00:00Z`));
    await h.server.services.db.query(`INSERT INTO legal_education_case (activity_id, case_id) VALUES ($1, $2)`, [stall, caseId]);

    const response = await gql(h.server.httpUrl, PROGRESS, { org: h.world.gid.org('police'), year: YEAR }, h.world.tokens.policeLiaison);

    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.legalEducationPlan.progress).toEqual({
      targetTotal: 6,
      held: 4,
      cancelled: 1,
      attendance: 330,
      withCasesExplained: 1,
      targets: [
        { form: 'LECTURE', area: { name: '三板橋社區' }, target: 4, done: 2, pending: 1, percent: 50 },
        { form: 'MARKET_DAY_STALL', area: null, target: 2, done: 1, pending: 0, percent: 50 },
      ],
    });
  });

  test('given that plan, when an unrelated organisation reads it, then it answers null as for no plan', async () => {
    const response = await gql(h.server.httpUrl, PROGRESS, { org: h.world.gid.org('police'), year: YEAR }, h.world.tokens.outsider);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.legalEducationPlan).toBeNull();
  });

  test('given a MEMBER of the community, when setting its plan, then FORBIDDEN: only ADMINs set plans', async () => {
    const response = await gql(h.server.httpUrl, PLAN_SET, { input: { organizationId: h.world.gid.org('community'), year: YEAR, targets: [{ form: 'SCHOOL_CLASS', count: 3 }] } }, h.world.tokens.communityMember);
    expect(response.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  test('given the community ADMIN, when setting a plan with the same form and area twice, then DUPLICATE on the second target and nothing is saved', async () => {
    const response = await gql(
      h.server.httpUrl,
      PLAN_SET,
      { input: { organizationId: h.world.gid.org('community'), year: YEAR, targets: [{ form: 'SCHOOL_CLASS', count: 3 }, { form: 'SCHOOL_CLASS', count: 1 }] } },
      h.world.tokens.communityAdmin,
    );
    expect(response.body.data.legalEducationPlanSet).toEqual({ plan: null, userErrors: [{ field: ['input', 'targets', '1'], code: 'DUPLICATE' }] });
    const [{ n }] = await h.server.services.db.query(`SELECT count(*)::int AS n FROM legal_education_plan WHERE organization_id = $1`, [h.world.orgs.community.id]);
    expect(n).toBe(0);
  });
});

const PLAN = `mutation ($input: LegalEducationActivityPlanInput!) { legalEducationActivityPlan(input: $input) { activity { id status organizer { name } legalDay form } userErrors { field code } } }`;
const REPORT = `mutation ($input: LegalEducationActivityReportInput!) {
  legalEducationActivityReport(input: $input) { activity { status attendance materialsHandedOut questionsAnswered casesExplainedCount casesExplained { id } } userErrors { field code } }
}`;

describe('activities: whoever enforces explains (誰執法誰普法)', () => {
  const input = () => ({
    organizerOrganizationId: h.world.gid.org('police'),
    form: 'CONSULTATION_DESK',
    topic: '憲法宣傳',
    laws: ['《中華人民共和國憲法》'],
    legalDay: 'CONSTITUTION_DAY',
    areaId: h.world.gid.area('communityA'),
    startsAt: new Date(Date.now() + 3 * DAY).toISOString(),
    endsAt: new Date(Date.now() + 3 * DAY + 3 * 3_600_000).toISOString(),
    audienceGroups: ['RESIDENTS', 'PARENTS'],
  });

  test('given the station liaison officer, when planning an activity of the station, then it is PLANNED with the station as organiser and the event is in the log', async () => {
    const response = await gql(h.server.httpUrl, PLAN, { input: input() }, h.world.tokens.policeLiaison);
    expect(response.body.data.legalEducationActivityPlan).toMatchObject({ activity: { status: 'PLANNED', organizer: { name: '中山路派出所' }, legalDay: 'CONSTITUTION_DAY' }, userErrors: [] });
    const [event] = await h.server.services.db.query(`SELECT type, organization_ids FROM event WHERE topic = 'education' ORDER BY id DESC LIMIT 1`);
    expect(event.type).toBe('legalEducation.activityPlanned');
    expect(event.organization_ids).toContain(h.world.orgs.police.id);
  });

  test('given a member of the community, when planning an activity in the name of the police station, then FORBIDDEN', async () => {
    const response = await gql(h.server.httpUrl, PLAN, { input: input() }, h.world.tokens.communityMember);
    expect(response.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  test('given an OBSERVER of the community, when planning an activity of the community, then FORBIDDEN: observers change nothing', async () => {
    const response = await gql(h.server.httpUrl, PLAN, { input: { ...input(), organizerOrganizationId: h.world.gid.org('community') } }, h.world.tokens.communityObserver);
    expect(response.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  test('given a planned activity that has begun and a case of the area, when the organiser reports it with the case explained, then it is HELD with its figures and the case linked', async () => {
    const id = await activity({ form: 'LECTURE', area: h.world.areas.communityA.id, status: 'PLANNED', at: new Date(Date.now() - 2 * 3_600_000) });
    const caseId = await caseAt(h.world.areas.gridA.id, new Date(Date.now() - 10 * DAY));
    const response = await gql(
      h.server.httpUrl,
      REPORT,
      { input: { activityId: toGlobalId('LegalEducationActivity', id), attendance: 85, materialsHandedOut: 300, questionsAnswered: 12, caseIds: [toGlobalId('Case', caseId)] } },
      h.world.tokens.policeLiaison,
    );
    expect(response.body.data.legalEducationActivityReport).toEqual({
      activity: { status: 'HELD', attendance: 85, materialsHandedOut: 300, questionsAnswered: 12, casesExplainedCount: 1, casesExplained: [{ id: toGlobalId('Case', caseId) }] },
      userErrors: [],
    });
  });

  test('given a planned activity that has not begun, when the organiser reports it, then OUT_OF_RANGE and it stays PLANNED', async () => {
    const id = await activity({ form: 'LECTURE', area: h.world.areas.communityA.id, status: 'PLANNED', at: new Date(Date.now() + DAY) });
    const response = await gql(h.server.httpUrl, REPORT, { input: { activityId: toGlobalId('LegalEducationActivity', id), attendance: 10 } }, h.world.tokens.policeLiaison);
    expect(response.body.data.legalEducationActivityReport).toEqual({ activity: null, userErrors: [{ field: ['input', 'activityId'], code: 'OUT_OF_RANGE' }] });
  });
});

describe('education events in the polled feed', () => {
  const FEED = `{ events(first: 100, topics: [EDUCATION]) { nodes { type data } } }`;

  test('given an activity planned by the station, when the station and the outsider poll the EDUCATION stream, then the station sees it and the outsider sees none', async () => {
    const planned = await gql(
      h.server.httpUrl,
      PLAN,
      { input: { organizerOrganizationId: h.world.gid.org('police'), form: 'LECTURE', topic: '防詐騙講座', areaId: h.world.gid.area('communityA'), startsAt: new Date(Date.now() + 5 * DAY).toISOString(), endsAt: new Date(Date.now() + 5 * DAY + 3_600_000).toISOString() } },
      h.world.tokens.policeLiaison,
    );
    expect(planned.body.data.legalEducationActivityPlan.userErrors).toEqual([]);
    const [station, outsider] = await Promise.all([gql(h.server.httpUrl, FEED, {}, h.world.tokens.policeLiaison), gql(h.server.httpUrl, FEED, {}, h.world.tokens.outsider)]);
    expect(station.body.data.events.nodes.map((e: { type: string }) => e.type)).toContain('legalEducation.activityPlanned');
    expect(station.body.data.events.nodes[0].data.legalEducationActivityId).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(outsider.body.data.events.nodes).toEqual([]);
  });
});

const EFFECT = `query ($area: ID!, $from: String!, $to: String!) {
  legalEducationEffect(areaId: $area, caseCategory: PUBLIC_SECURITY, from: $from, to: $to, windowDays: 30) {
    casesBefore casesAfter activities { casesBefore casesAfter afterWindowComplete activity { topic } } months { month activities cases }
  }
}`;

describe('the effect view (activities beside the trend of cases)', () => {
  const at = (iso: string) => new Date(iso);
  const from = `${YEAR - 1}-05`;
  const to = `${YEAR - 1}-07`;

  beforeAll(async () => {
    const a = h.world.areas;
    await activity({ form: 'LECTURE', area: a.communityA.id, status: 'HELD', at: at(`${YEAR - 1}-06-10T02:00:00Z`), category: 'PUBLIC_SECURITY', topic: '防盜講座', attendance: 50 });
    // 30 days before: three cases in the subtree, one elsewhere, one of another category.
    for (const day of ['05-15', '05-20', '06-01']) await caseAt(a.gridA.id, at(`${YEAR - 1}-${day}T02:00:00Z`));
    await caseAt(a.communityB.id, at(`${YEAR - 1}-05-20T02:00:00Z`));
    await caseAt(a.gridA.id, at(`${YEAR - 1}-05-20T02:00:00Z`), 'DISPUTE');
    // 30 days after: one.
    await caseAt(a.communityA.id, at(`${YEAR - 1}-06-25T02:00:00Z`));
  });

  test('given a burglary lecture and the cases around it, when the police station reads the effect for the community, then before 3, after 1, and the months line up', async () => {
    const response = await gql(h.server.httpUrl, EFFECT, { area: h.world.gid.area('communityA'), from, to }, h.world.tokens.policeLiaison);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.legalEducationEffect).toEqual({
      casesBefore: 3,
      casesAfter: 1,
      activities: [{ casesBefore: 3, casesAfter: 1, afterWindowComplete: true, activity: { topic: '防盜講座' } }],
      months: [
        { month: `${YEAR - 1}-05`, activities: 0, cases: 2 },
        { month: `${YEAR - 1}-06`, activities: 1, cases: 2 },
        { month: `${YEAR - 1}-07`, activities: 0, cases: 0 },
      ],
    });
  });

  test('given the same, when an organisation without jurisdiction over the area asks, then null as for an unknown area', async () => {
    const response = await gql(h.server.httpUrl, EFFECT, { area: h.world.gid.area('communityA'), from, to }, h.world.tokens.securityAdmin);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.legalEducationEffect).toBeNull();
  });
});

const ROOM = `query ($area: ID!) { legalServiceRooms(areaId: $area) { nodes { name duties(from: "2000-01-01T00:00:00Z") { lawyerName lawyerPhone } consultations { totalCount nodes { topic outcome duty { lawyerName } } } } } }`;
const LOG = `mutation ($input: LegalConsultationLogInput!) { legalConsultationLog(input: $input) { consultation { outcome duty { lawyerName } } userErrors { field code } } }`;

describe('community legal-service rooms (村(社區)公共法律服務工作室)', () => {
  let roomId: string;
  beforeAll(async () => {
    const [room] = await h.server.services.db.query(`INSERT INTO legal_service_room (organization_id, area_id, name) VALUES ($1, $2, '三板橋社區公共法律服務工作室') RETURNING id`, [h.world.orgs.community.id, h.world.areas.communityA.id]);
    roomId = room.id;
    await h.server.services.db.query(
      `INSERT INTO legal_service_duty (room_id, lawyer_name, lawyer_phone, starts_at, ends_at) VALUES ($1, '李律師', '13900001111', now() - interval '2 hours', now() + interval '2 hours')`,
      [roomId],
    );
  });

  test('given a duty in progress, when the committee logs a consultation, then it is linked to that duty', async () => {
    const response = await gql(
      h.server.httpUrl,
      LOG,
      { input: { roomId: toGlobalId('LegalServiceRoom', roomId), occurredAt: new Date(Date.now() - 60_000).toISOString(), topic: '鄰里宅基地糾紛', caseCategory: 'DISPUTE', outcome: 'MEDIATION' } },
      h.world.tokens.communityMember,
    );
    expect(response.body.data.legalConsultationLog).toEqual({ consultation: { outcome: 'MEDIATION', duty: { lawyerName: '李律師' } }, userErrors: [] });
  });

  test('given the room, when an unrelated organisation lists the rooms, then it sees the roster but no phone and no consultations', async () => {
    const response = await gql(h.server.httpUrl, ROOM, { area: h.world.gid.area('communityA') }, h.world.tokens.outsider);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.legalServiceRooms.nodes).toEqual([{ name: '三板橋社區公共法律服務工作室', duties: [{ lawyerName: '李律師', lawyerPhone: null }], consultations: null }]);
  });

  test('given the room, when the police station covering the area lists it, then it sees the phone and the consultations', async () => {
    const response = await gql(h.server.httpUrl, ROOM, { area: h.world.gid.area('communityA') }, h.world.tokens.policeLiaison);
    expect(response.body.data.legalServiceRooms.nodes[0]).toMatchObject({ duties: [{ lawyerPhone: '13900001111' }], consultations: { totalCount: 1 } });
  });
});
