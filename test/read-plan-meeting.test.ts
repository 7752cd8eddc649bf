import { toGlobalId } from '../src/shared/relay/global-id';
import { gql } from './support/graphql';
import { tokenForEmail, type Harness } from './support/harness';
import { askBoth, startPlanPair, stopPlanPair, type PlanPair } from './support/read-plan';

/**
 * The planned read of `meeting(id)` (one SQL for the meeting, its area,
 * convener, participants and an agenda page) must answer exactly as the
 * resolver-by-resolver path: a second server on the same database runs with
 * planning off and every document is asked of both, by viewers who see the
 * meetings (platform admin, the convener's liaison officer, a participant's
 * member) and viewers who must not (an outsider organisation, a person with
 * no organisation, the signed-out).
 */
let h: Harness;
let pair: PlanPair;
const tokens: Record<string, string | null> = { signedOut: null };
/** Global ids of every meeting: the demo's, plus a small and a large one made here. */
let meetings: string[] = [];
let small: string;
let large: string;

beforeAll(async () => {
  pair = await startPlanPair();
  ({ h } = pair);
  const db = h.server.services.db;
  tokens.platformAdmin = h.world.tokens.platformAdmin;
  tokens.liaison = await tokenForEmail(h, 'liaison@gongzhi.demo');
  tokens.participantMember = await tokenForEmail(h, 'member@gongzhi.demo');
  tokens.outsiderOrg = await tokenForEmail(h, 'minyi.admin@gongzhi.demo');
  tokens.outsider = h.world.tokens.outsider;
  tokens.resident = h.world.tokens.resident;

  // A meeting of 2 organisations with 2 items, and one of 40 with 25 items, both convened by the demo's police station
  // with the community whose member reads; the others of the 40 are made here, so the outsiders stay outside.
  // (By the demo accounts: the test world has organisations of the same names.)
  const orgOf = async (email: string) =>
    (await db.query(`SELECT o.id, o.home_area_id FROM organization o JOIN membership m ON m.organization_id = o.id JOIN app_user u ON u.id = m.user_id WHERE u.email = $1`, [email]))[0];
  const station = await orgOf('liaison@gongzhi.demo');
  const community = await orgOf('member@gongzhi.demo');
  await db.query(
    `INSERT INTO organization (name, kind, home_area_id) SELECT '會議組織 ' || lpad(i::text, 2, '0'), 'NGO', $1 FROM generate_series(1, 38) i`,
    [station.home_area_id],
  );
  const make = async (title: string, participants: number, items: number) => {
    const [m] = await db.query(
      `INSERT INTO meeting (convener_organization_id, area_id, title, starts_at, ends_at) VALUES ($1, $2, $3, now() + interval '3 days', now() + interval '3 days 2 hours') RETURNING id`,
      [station.id, station.home_area_id, title],
    );
    await db.query(
      `INSERT INTO meeting_participant (meeting_id, organization_id, is_convener, rsvp, responded_at)
       SELECT $1::uuid, o.id, false, CASE WHEN i % 2 = 0 THEN 'ATTENDING' END, CASE WHEN i % 2 = 0 THEN now() END
         FROM (SELECT id, row_number() OVER (ORDER BY name DESC) AS i FROM organization WHERE name LIKE '會議組織 %' ORDER BY name DESC LIMIT $3::int - 2) o
       UNION ALL SELECT $1::uuid, $2::uuid, true, 'ATTENDING', now()
       UNION ALL SELECT $1::uuid, $4::uuid, false, NULL, NULL`,
      [m.id, station.id, participants, community.id],
    );
    await db.query(
      `INSERT INTO agenda_item (meeting_id, position, title, proposed_by_organization_id, presenter_organization_id, planned_minutes, status)
       SELECT $1::uuid, p, '議程 ' || p, $2::uuid, (SELECT organization_id FROM meeting_participant WHERE meeting_id = $1::uuid ORDER BY organization_id OFFSET (p % $4::int) LIMIT 1),
              5 + p, CASE WHEN p % 2 = 0 THEN 'ACCEPTED' ELSE 'PROPOSED' END
         FROM generate_series(1, $3::int) p`,
      [m.id, station.id, items, participants],
    );
    return toGlobalId('Meeting', m.id);
  };
  small = await make('小會議', 2, 2);
  large = await make('大會議', 40, 25);
  meetings = (await db.query(`SELECT id FROM meeting ORDER BY starts_at, id`)).map((m: { id: string }) => toGlobalId('Meeting', m.id));
}, 240_000);
afterAll(() => stopPlanPair(pair ?? {}));

/** The bench's document (bench/run.ts MEETING_QUERY). */
const BENCH = `query ($id: ID!) {
  meeting(id: $id) {
    title status area { name } convener { name }
    agendaItems(first: 20) { nodes { position title plannedMinutes status presenter { name } } }
    participants(first: 50) { nodes { isConvener rsvp organization { name } } }
  }
}`;

/** Every column of the meeting, paged agenda and participants, proposers, and the fields the plan leaves to loaders. */
const FULL = `query ($id: ID!, $agendaFirst: Int, $agendaAfter: String, $first: Int, $after: String) {
  meeting(id: $id) {
    id occurrence title description location startsAt endsAt status cancelReason startedAt concludedAt cancelledAt version createdAt updatedAt
    series { id title }
    area { id name kind code depth createdAt parent { name } }
    convener { id name kind description homeArea { name } }
    agendaItems(first: $agendaFirst, after: $agendaAfter) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id position title description plannedMinutes status minutes decision version createdAt updatedAt
                            presenter { id name kind } proposedBy { id name } meeting { id title } carriedOverFrom { id } linkedRecord { id } } }
    }
    participants(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage endCursor }
      edges { cursor node { id isConvener rsvp rsvpNote respondedAt attended createdAt organization { id name kind } representative { displayName } } }
    }
  }
}`;

const both = (document: string, variables: Record<string, unknown>, token: string | null) => askBoth(pair, document, variables, token);

const VIEWERS = ['platformAdmin', 'liaison', 'participantMember', 'outsiderOrg', 'outsider', 'resident', 'signedOut'];

describe('planned meeting(id)', () => {
  test.each(VIEWERS)('given the demo and two made meetings, when %s reads each meeting, then the planned read answers as the old path', async (who) => {
    let seen = 0;
    let made = 0;
    for (const id of meetings) {
      for (const document of [BENCH, FULL]) {
        const { planned, old } = await both(document, { id }, tokens[who]);
        expect(planned.body).toEqual(old.body);
        if (who === 'signedOut') {
          expect(planned.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
          continue;
        }
        expect(planned.body.errors).toBeUndefined();
        if (planned.body.data.meeting) seen += 1;
        if (planned.body.data.meeting && [small, large].includes(id)) made += 1;
      }
    }
    // Those who should see meetings saw some (the made ones too), and those who should not saw none.
    if (['platformAdmin', 'liaison', 'participantMember'].includes(who)) expect([seen > 4, made]).toEqual([true, 4]);
    else expect(seen).toBe(0);
  }, 120_000);

  test.each(['platformAdmin', 'liaison', 'participantMember', 'outsiderOrg'])('given the 40-organisation meeting, when %s pages the agenda and participants, then every page answers as the old path', async (who) => {
    for (const [agendaFirst, first] of [[2, 3], [7, 11], [0, 0], [25, 40], [24, 39]]) {
      let agendaAfter: string | null = null;
      let after: string | null = null;
      let pages = 0;
      do {
        const { planned, old } = await both(FULL, { id: large, agendaFirst, agendaAfter, first, after }, tokens[who]);
        expect(planned.body).toEqual(old.body);
        expect(planned.body.errors).toBeUndefined();
        const meeting = planned.body.data.meeting;
        if (!meeting) break;
        agendaAfter = meeting.agendaItems.pageInfo.hasNextPage ? meeting.agendaItems.pageInfo.endCursor : null;
        after = meeting.participants.pageInfo.hasNextPage ? meeting.participants.pageInfo.endCursor : null;
        pages += 1;
      } while ((agendaAfter || after) && pages < 30);
      if (who !== 'outsiderOrg' && agendaFirst > 0 && agendaFirst < 25) expect(pages).toBeGreaterThan(1);
    }
  }, 120_000);

  test('given a bad page argument or cursor, when the platform admin reads, then the error sits where the old path puts it', async () => {
    for (const variables of [{ agendaFirst: 500 }, { agendaAfter: 'bm90LWEtY3Vyc29y' }, { agendaFirst: -1 }, { after: 'bm90LWEtY3Vyc29y' }]) {
      const { planned, old } = await both(FULL, { id: large, ...variables }, tokens.platformAdmin);
      expect(planned.body).toEqual(old.body);
      expect(planned.body.errors?.length).toBeGreaterThan(0);
    }
  });

  test('given the bench document, then a meeting of 2 and one of 40 organisations cost the same statements: the viewer and one planned read', async () => {
    const few = await gql(h.server.httpUrl, BENCH, { id: small }, tokens.platformAdmin);
    const many = await gql(h.server.httpUrl, BENCH, { id: large }, tokens.platformAdmin);
    expect(many.body.errors).toBeUndefined();
    expect(few.body.data.meeting.participants.nodes).toHaveLength(2);
    expect(many.body.data.meeting.participants.nodes).toHaveLength(40);
    expect(many.body.data.meeting.agendaItems.nodes).toHaveLength(20);
    expect(many.body.data.meeting.agendaItems.nodes[19].presenter.name).toBeTruthy();
    // A count of 0 would mean the counter is not counting, not that the read is free.
    expect(few.sqlStatements).toBeGreaterThan(0);
    expect(many.sqlStatements).toBe(few.sqlStatements);
    expect(many.sqlStatements).toBe(2);
    // The same for a participant (the visibility condition is in the statement, not a statement of its own).
    const member = await gql(h.server.httpUrl, BENCH, { id: large }, tokens.liaison);
    expect(member.body.data.meeting.participants.nodes).toHaveLength(40);
    expect(member.sqlStatements).toBe(2);
  });
});
