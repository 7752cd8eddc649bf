import { toGlobalId } from '../src/shared/relay/global-id';
import { tokenForEmail, type Harness } from './support/harness';
import { askBothInSql, startPlanPair, stopPlanPair, type PlanPair } from './support/read-plan';

/**
 * Reads PostgreSQL answers whole (src/shared/read-plan/sql-answer.ts) must
 * answer exactly as the resolvers do, for every viewer: a second server on the
 * same demo database runs with READ_PLAN=false (resolver by resolver), and
 * every document is asked of both. The counter of SQL-answered queries says
 * whether the document was answered that way; documents holding anything not
 * declared must go to the executor instead, and still answer alike.
 */
let h: Harness;
let pair: PlanPair;
const tokens: Record<string, string | null> = { signedOut: null };

beforeAll(async () => {
  pair = await startPlanPair();
  ({ h } = pair);
  tokens.platformAdmin = h.world.tokens.platformAdmin;
  tokens.outsider = h.world.tokens.outsider;
  tokens.resident = h.world.tokens.resident;
  tokens.security = await tokenForEmail(h, 'security.admin@gongzhi.demo');
  tokens.minyi = await tokenForEmail(h, 'minyi.admin@gongzhi.demo');
  tokens.liaison = await tokenForEmail(h, 'liaison@gongzhi.demo');
  tokens.member = await tokenForEmail(h, 'member@gongzhi.demo');
}, 240_000);
afterAll(() => stopPlanPair(pair ?? {}));

const VIEWERS = ['platformAdmin', 'outsider', 'resident', 'security', 'minyi', 'liaison', 'member'];

/** Asks both servers; returns both answers and whether the planned server answered in one SQL statement. */
const ask = (document: string, variables: Record<string, unknown>, token: string | null) => askBothInSql(pair, document, variables, token);

/** Every declared field of the directory, with aliases, both kinds of fragment and __typename at each level. */
const DIRECTORY = `query Directory($first: Int = 12, $membersFirst: Int) {
  __typename
  organizations(first: $first) {
    __typename
    nodes {
      __typename id name kind description version createdAt updatedAt
      ...Home
      parent { id name kind }
      members(first: $membersFirst) {
        __typename
        nodes {
          id role createdAt
          person: user { __typename id displayName isPlatformAdmin createdAt }
          organization { id name }
        }
      }
      ... on Organization { fewMembers: members(first: 1) { nodes { user { displayName } } } }
    }
  }
  firstTwo: organizations(first: 2) { nodes { name } }
}
fragment Home on Organization { homeArea { id name kind code depth createdAt parent { id name parent { name } } } }`;

describe('reads answered whole by PostgreSQL', () => {
  test.each(VIEWERS)('given the demo data, when %s reads the directory, then PostgreSQL answers it, as the resolvers do', async (who) => {
    for (const variables of [{}, { first: 40, membersFirst: 3 }, { first: 0 }, { first: null, membersFirst: null }]) {
      const { planned, old, inSql } = await ask(DIRECTORY, variables, tokens[who]);
      expect(planned.body.errors).toBeUndefined();
      expect(planned.body).toEqual(old.body);
      expect(inSql).toBe(true);
    }
  });

  test('given the demo data, when viewers read members, then each sees members only of organisations they belong to (platform admins: all)', async () => {
    const document = `{ organizations(first: 100) { nodes { name members(first: 5) { nodes { user { displayName } } } } } }`;
    const seen: Record<string, number> = {};
    for (const who of VIEWERS) {
      const { planned, old, inSql } = await ask(document, {}, tokens[who]);
      expect(inSql).toBe(true);
      expect(planned.body).toEqual(old.body);
      seen[who] = planned.body.data.organizations.nodes.filter((o: any) => o.members !== null).length;
    }
    const db = h.server.services.db;
    expect(seen.platformAdmin).toBe((await db.query(`SELECT count(*)::int AS n FROM organization`))[0].n);
    for (const who of VIEWERS.filter((w) => w !== 'platformAdmin')) {
      const userId = JSON.parse(Buffer.from(tokens[who]!.split('.')[1], 'base64url').toString()).sub.replace('user:', '');
      const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM membership WHERE user_id = $1`, [userId]);
      expect(seen[who]).toBe(n);
    }
    expect(seen.security).toBeGreaterThan(0);
  });

  test('given the signed-out viewer, when it reads the directory, then the executor refuses it as before', async () => {
    const { planned, old, inSql } = await ask(DIRECTORY, {}, null);
    expect(inSql).toBe(false);
    expect(planned.body).toEqual(old.body);
    expect(planned.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('given a document refused once for its variables and once for its viewer, when it is asked again with a valid page size by a signed-in viewer, then PostgreSQL answers it: only a refusal for the document\'s shape is remembered', async () => {
    const document = `query ($n: Int) { organizations(first: $n) { nodes { name kind } } }`;
    const tooMany = await ask(document, { n: 101 }, tokens.platformAdmin);
    const signedOut = await ask(document, { n: 5 }, null);
    const answered = await ask(document, { n: 5 }, tokens.platformAdmin);
    expect([tooMany.inSql, signedOut.inSql, answered.inSql]).toEqual([false, false, true]);
    for (const { planned, old } of [tooMany, signedOut, answered]) expect(planned.body).toEqual(old.body);
  });

  test('given a document refused for its shape, when it is asked again, then the executor answers it again, as before', async () => {
    const document = `{ organizations(first: 3) { nodes { name createdBy: description @include(if: true) } } }`;
    for (let i = 0; i < 2; i++) {
      const { planned, old, inSql } = await ask(document, {}, tokens.platformAdmin);
      expect(inSql).toBe(false);
      expect(planned.body).toEqual(old.body);
    }
  });

  test.each([
    ['a field with a record rule (email)', `{ organizations(first: 5) { nodes { members(first: 5) { nodes { user { displayName email } } } } } }`, {}],
    ['a count (totalCount)', `{ organizations(first: 5) { totalCount nodes { name } } }`, {}],
    ['page info and cursors', `{ organizations(first: 5) { pageInfo { hasNextPage endCursor } nodes { name } } }`, {}],
    ['a filter argument', `{ organizations(first: 5, search: "派出所") { nodes { name } } }`, {}],
    ['a directive', `query ($all: Boolean = true) { organizations(first: 5) { nodes { name kind @include(if: $all) } } }`, {}],
    ['one response key twice', `{ organizations(first: 5) { nodes { name homeArea { name } homeArea { id } } } }`, {}],
    ['a fragment on an interface', `{ organizations(first: 5) { nodes { ... on Node { id } name } } }`, {}],
    ['a page size the field refuses', `query ($n: Int) { organizations(first: 5) { nodes { name members(first: $n) { nodes { role } } } } }`, { n: 101 }],
    ['a negative page size', `{ organizations(first: -1) { nodes { name } } }`, {}],
    ['a page size that is not an integer', `query ($n: Int) { organizations(first: $n) { nodes { name } } }`, { n: '5' }],
    ['an undeclared root', `{ areas(first: 5) { nodes { name } } }`, {}],
    ['a variable the executor refuses', `query ($m: Int) { organizations(first: 5) { nodes { name members(first: $m) { nodes { role } } } } }`, { m: 'x' }],
  ])('given a document with %s, when the platform admin and the outsider ask, then the executor answers it, as before', async (_, document, variables) => {
    for (const who of ['platformAdmin', 'outsider']) {
      const { planned, old, inSql } = await ask(document, variables, tokens[who]);
      expect(inSql).toBe(false);
      expect(planned.body).toEqual(old.body);
    }
  });
});

/** Every declared field of a meeting, its agenda and its participants. */
const MEETING = `query ($id: ID!, $items: Int, $participants: Int = 50) {
  meeting(id: $id) {
    __typename id occurrence title description location status cancelReason version
    startsAt endsAt startedAt concludedAt cancelledAt createdAt updatedAt
    area { name parent { name } }
    convener { id name kind }
    agendaItems(first: $items) { nodes { id position title description plannedMinutes status minutes decision version createdAt updatedAt presenter { name } proposedBy { id name } } }
    participants(first: $participants) { __typename nodes { id isConvener rsvp rsvpNote attended respondedAt createdAt organization { id name } } }
  }
}`;

describe('a meeting answered whole by PostgreSQL', () => {
  test.each([...VIEWERS, 'signedOut'])('given every demo meeting, when %s reads each, then PostgreSQL answers as the resolvers do: the meeting, or null where the viewer may not see it', async (who) => {
    const meetings: { id: string }[] = await h.server.services.db.query(`SELECT id FROM meeting ORDER BY id`);
    expect(meetings.length).toBeGreaterThan(1);
    let seen = 0;
    for (const { id } of meetings) {
      for (const variables of [{ id: toGlobalId('Meeting', id) }, { id: toGlobalId('Meeting', id), items: 1, participants: 2 }]) {
        const { planned, old, inSql } = await ask(MEETING, variables, tokens[who]);
        expect(planned.body).toEqual(old.body);
        expect(inSql).toBe(who !== 'signedOut');
        if (planned.body.data?.meeting) seen += 1;
      }
    }
    if (who === 'platformAdmin') expect(seen).toBe(meetings.length * 2);
    if (who === 'outsider' || who === 'signedOut') expect(seen).toBe(0);
    if (who === 'liaison') expect(seen).toBeGreaterThan(0);
  });

  test('given a meeting\'s id with a control character appended (base64url decoding would skip it), when the platform admin reads it, then the executor\'s text guard answers BAD_USER_INPUT, as before', async () => {
    const [{ id }] = await h.server.services.db.query(`SELECT id FROM meeting ORDER BY id LIMIT 1`);
    const { planned, old, inSql } = await ask(MEETING, { id: `${toGlobalId('Meeting', id)}\u0007` }, tokens.platformAdmin);
    expect(inSql).toBe(false);
    expect(planned.body).toEqual(old.body);
    expect(planned.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  test.each([
    ['year 10000', '10000-01-01 00:00:00+00'],
    ['1 BC, which toISOString writes as year 0000', '0001-06-01 00:00:00+00 BC'],
  ])('given a meeting created in %s, when the platform admin reads it, then the statement fails on purpose and the executor answers, as before', async (_, createdAt) => {
    const db = h.server.services.db;
    const [{ id, created_at }] = await db.query(`SELECT id, created_at FROM meeting ORDER BY id LIMIT 1`);
    await db.query(`UPDATE meeting SET created_at = $2 WHERE id = $1`, [id, createdAt]);
    try {
      const { planned, old, inSql } = await ask(MEETING, { id: toGlobalId('Meeting', id) }, tokens.platformAdmin);
      expect(inSql).toBe(false);
      expect(planned.body).toEqual(old.body);
      expect(planned.body.data.meeting.createdAt).toMatch(/^(\+010000|0000)-/);
    } finally {
      await db.query(`UPDATE meeting SET created_at = $2 WHERE id = $1`, [id, created_at]);
    }
  });

  test.each([
    ['an id of another type', () => toGlobalId('Area', '00000000-0000-0000-0000-000000000001')],
    ['an id that is not one', () => 'not-an-id'],
    ['an unknown meeting', () => toGlobalId('Meeting', '00000000-0000-0000-0000-000000000001')],
  ])('given %s, when the platform admin and the liaison officer read it, then both paths answer alike', async (_, id) => {
    for (const who of ['platformAdmin', 'liaison']) {
      const { planned, old } = await ask(MEETING, { id: id() }, tokens[who]);
      expect(planned.body).toEqual(old.body);
    }
  });
});
