import { toGlobalId } from '../src/shared/relay/global-id';
import { tokenForEmail, type Harness } from './support/harness';
import { askBoth, startPlanPair, stopPlanPair, type PlanPair } from './support/read-plan';

/**
 * The planned read of the organisation directory (one SQL for the page and
 * its nested relations) must answer exactly as the resolver-by-resolver path
 * does: a second server on the same demo database runs with planning off,
 * and every document is asked of both, by viewers who see members, a viewer
 * who sees only their own organisation's, an outsider and the signed-out.
 */
let h: Harness;
let pair: PlanPair;
const tokens: Record<string, string | null> = { signedOut: null };
const ids: Record<string, string> = {};

beforeAll(async () => {
  pair = await startPlanPair();
  ({ h } = pair);
  tokens.platformAdmin = h.world.tokens.platformAdmin;
  tokens.outsider = h.world.tokens.outsider;
  tokens.resident = h.world.tokens.resident;
  tokens.security = await tokenForEmail(h, 'security.admin@gongzhi.demo');
  tokens.minyi = await tokenForEmail(h, 'minyi.admin@gongzhi.demo');
  const [area] = await h.server.services.db.query(`SELECT a.id FROM area a WHERE a.depth = 1 ORDER BY a.name LIMIT 1`);
  ids.area = toGlobalId('Area', area.id);
}, 240_000);
afterAll(() => stopPlanPair(pair ?? {}));

const DIRECTORY = `query ($first: Int = 7, $after: String, $membersFirst: Int = 3, $membersAfter: String, $search: String, $kinds: [OrganizationKind!], $within: ID) {
  organizations(first: $first, after: $after, search: $search, kinds: $kinds, withinAreaId: $within) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id name kind description version createdAt updatedAt ...Home } }
    nodes {
      id name
      parent { id name }
      members(first: $membersFirst, after: $membersAfter) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { cursor node { id role createdAt user { id displayName email isPlatformAdmin createdAt } organization { id name } } }
      }
      aliased: members(first: $membersFirst, after: $membersAfter) { nodes { id } }
    }
  }
}
fragment Home on Organization { homeArea { id name kind code depth createdAt parent { id name parent { id name } } } }`;

/** Two pages of members in one document: the plan leaves members to the loaders. */
const TWO_MEMBER_PAGES = `{ organizations(first: 30) { nodes { name members(first: 1) { nodes { id } } more: members(first: 4) { totalCount nodes { user { displayName } } } } } }`;

/** Names only under one list, full users under another in the same request: the partial rows must not reach the second. */
const NAMES_THEN_FULL = `{
  organizations(first: 12) { nodes { name members(first: 3) { nodes { role user { displayName } } } } }
  again: organizations(first: 12) { nodes { members(first: 3) { nodes { user { id displayName email isPlatformAdmin createdAt } } } } }
}`;

const both = (variables: Record<string, unknown>, token: string | null, document = DIRECTORY) => askBoth(pair, document, variables, token);

describe('planned organisation directory', () => {
  test.each(['platformAdmin', 'outsider', 'resident', 'security', 'minyi', 'signedOut'])(
    'given the demo data, when %s reads the directory page by page, then the planned read answers as the old path',
    async (who) => {
      let after: string | null = null;
      let pages = 0;
      do {
        const { planned, old } = await both({ first: 7, after, membersFirst: 2 }, tokens[who]);
        expect(planned.body).toEqual(old.body);
        if (who === 'signedOut') {
          expect(planned.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
          return;
        }
        expect(planned.body.errors).toBeUndefined();
        // The planned path did run: it reads in fewer statements.
        expect(planned.sqlStatements).toBeLessThan(old.sqlStatements);
        after = planned.body.data.organizations.pageInfo.hasNextPage ? planned.body.data.organizations.pageInfo.endCursor : null;
        pages += 1;
      } while (after && pages < 20);
      expect(pages).toBeGreaterThan(1);
    },
    120_000,
  );

  test('given filters and a members cursor, when the platform admin and the outsider read, then both paths answer alike', async () => {
    for (const token of [tokens.platformAdmin, tokens.outsider]) {
      const first = await both({ first: 20, membersFirst: 1 }, token);
      const withMembers = first.planned.body.data.organizations.nodes.find((o: any) => o.members?.pageInfo.hasNextPage);
      const variables = [
        { first: 20, search: '派出所' },
        { first: 20, kinds: ['RESIDENT_COMMITTEE', 'NGO'] },
        { first: 20, within: ids.area },
        { first: 0 },
        { first: 5, membersFirst: 1, membersAfter: withMembers?.members.pageInfo.endCursor ?? null },
      ];
      for (const v of variables) {
        const { planned, old } = await both(v, token);
        expect(planned.body).toEqual(old.body);
        expect(planned.body.errors).toBeUndefined();
      }
      // A members page the field refuses: the error sits on each members field (the directory stays), as without the plan.
      for (const v of [{ first: 3, membersFirst: -1 }, { first: 3, membersAfter: 'bm90LWEtY3Vyc29y' }]) {
        const { planned, old } = await both(v, token);
        expect(planned.body).toEqual(old.body);
        // The outsider sees no members (null, no error) before any page is read.
        if (token === tokens.platformAdmin) expect(planned.body.errors?.length).toBeGreaterThan(0);
      }
      for (const document of [TWO_MEMBER_PAGES, NAMES_THEN_FULL]) {
        const { planned, old } = await both({}, token, document);
        expect(planned.body).toEqual(old.body);
        expect(planned.body.errors).toBeUndefined();
      }
    }
  });
});
