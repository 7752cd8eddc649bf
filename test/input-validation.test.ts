import { toGlobalId } from '../src/shared/relay/global-id';
import { gql } from './support/graphql';
import { startHarness, stopHarness, type Harness } from './support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => stopHarness(h));

async function count(table: string): Promise<number> {
  const [{ n }] = await h.server.services.db.query(`SELECT count(*)::int AS n FROM ${table}`);
  return n;
}

describe('bad input gets userErrors with a code and changes nothing', () => {
  test('given an empty organisation name, then REQUIRED on input.name and no organisation is created', async () => {
    const before = await count('organization');
    const response = await gql(
      h.server.httpUrl,
      `mutation ($input: OrganizationCreateInput!) { organizationCreate(input: $input) { organization { id } userErrors { field code } } }`,
      { input: { name: '   ', kind: 'NGO', homeAreaId: h.world.gid.area('district') } },
      h.world.tokens.platformAdmin,
    );
    expect(response.body.data.organizationCreate).toEqual({ organization: null, userErrors: [{ field: ['input', 'name'], code: 'REQUIRED' }] });
    expect(await count('organization')).toBe(before);
  });

  test('given an unknown organisation kind, then the request is refused as bad input (200 under application/json) and nothing is created', async () => {
    const before = await count('organization');
    const response = await gql(
      h.server.httpUrl,
      `mutation ($input: OrganizationCreateInput!) { organizationCreate(input: $input) { organization { id } userErrors { code } } }`,
      { input: { name: 'x', kind: 'SPACE_AGENCY', homeAreaId: h.world.gid.area('district') } },
      h.world.tokens.platformAdmin,
    );
    expect(response.status).toBe(200);
    expect(response.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(await count('organization')).toBe(before);
  });

  test('given a move of an area below its own descendant, then CYCLE and the tree is unchanged', async () => {
    const before = await h.server.services.db.query(`SELECT id, path FROM area ORDER BY id`);
    const response = await gql(
      h.server.httpUrl,
      `mutation ($input: AreaUpdateInput!) { areaUpdate(input: $input) { area { id } userErrors { field code } } }`,
      { input: { id: h.world.gid.area('streetA'), parentId: h.world.gid.area('gridA') } },
      h.world.tokens.platformAdmin,
    );
    expect(response.body.data.areaUpdate.userErrors).toEqual([{ field: ['input', 'parentId'], code: 'CYCLE' }]);
    expect(await h.server.services.db.query(`SELECT id, path FROM area ORDER BY id`)).toEqual(before);
  });

  test('given a relationship from an organisation to itself, then SELF_REFERENCE and none is created', async () => {
    const before = await count('relationship');
    const response = await gql(
      h.server.httpUrl,
      `mutation ($input: RelationshipCreateInput!) { relationshipCreate(input: $input) { relationship { id } userErrors { field code } } }`,
      { input: { fromOrganizationId: h.world.gid.org('police'), toOrganizationId: h.world.gid.org('police'), type: 'GUIDES' } },
      h.world.tokens.policeAdmin,
    );
    expect(response.body.data.relationshipCreate.userErrors).toEqual([{ field: ['input', 'toOrganizationId'], code: 'SELF_REFERENCE' }]);
    expect(await count('relationship')).toBe(before);
  });

  test('given a user who is already a member, when added again, then DUPLICATE and one membership remains', async () => {
    const response = await gql(
      h.server.httpUrl,
      `mutation ($input: MembershipAddInput!) { membershipAdd(input: $input) { membership { id } userErrors { field code } } }`,
      { input: { organizationId: h.world.gid.org('community'), userId: h.world.gid.user('communityMember'), role: 'ADMIN' } },
      h.world.tokens.communityAdmin,
    );
    expect(response.body.data.membershipAdd.userErrors).toEqual([{ field: ['input', 'userId'], code: 'DUPLICATE' }]);
    const rows = await h.server.services.db.query(`SELECT role FROM membership WHERE user_id = $1`, [h.world.users.communityMember.id]);
    expect(rows).toEqual([{ role: 'MEMBER' }]);
  });

  test('given an area whose level does not fit its parent, then INVALID on kind', async () => {
    const response = await gql(
      h.server.httpUrl,
      `mutation ($input: AreaCreateInput!) { areaCreate(input: $input) { area { id } userErrors { field code } } }`,
      { input: { name: '錯層', kind: 'CITY', parentId: h.world.gid.area('district') } },
      h.world.tokens.platformAdmin,
    );
    expect(response.body.data.areaCreate.userErrors).toEqual([{ field: ['input', 'kind'], code: 'INVALID' }]);
  });

  test('given the last ADMIN, when removed, then LAST_ADMIN and the membership stays', async () => {
    const [membership] = await h.server.services.db.query(`SELECT id FROM membership WHERE user_id = $1`, [h.world.users.policeAdmin.id]);
    const response = await gql(
      h.server.httpUrl,
      `mutation ($input: MembershipRemoveInput!) { membershipRemove(input: $input) { removedMembershipId userErrors { code } } }`,
      { input: { membershipId: toGlobalId('Membership', membership.id) } },
      h.world.tokens.policeAdmin,
    );
    expect(response.body.data.membershipRemove).toEqual({ removedMembershipId: null, userErrors: [{ code: 'LAST_ADMIN' }] });
    expect(await h.server.services.db.query(`SELECT id FROM membership WHERE id = $1`, [membership.id])).toHaveLength(1);
  });

  test('given a stale expectedVersion, when updating an organisation, then CONFLICT and the newer write stays', async () => {
    const update = `mutation ($input: OrganizationUpdateInput!) { organizationUpdate(input: $input) { organization { description version } userErrors { code } } }`;
    const first = await gql(h.server.httpUrl, update, { input: { id: h.world.gid.org('security'), expectedVersion: 1, description: 'first' } }, h.world.tokens.securityAdmin);
    const second = await gql(h.server.httpUrl, update, { input: { id: h.world.gid.org('security'), expectedVersion: 1, description: 'second' } }, h.world.tokens.securityAdmin);
    expect(first.body.data.organizationUpdate).toEqual({ organization: { description: 'first', version: 2 }, userErrors: [] });
    expect(second.body.data.organizationUpdate).toEqual({ organization: null, userErrors: [{ code: 'CONFLICT' }] });
  });

  test('given first above 100, then BAD_USER_INPUT', async () => {
    const response = await gql(h.server.httpUrl, `{ organizations(first: 101) { totalCount } }`, {}, h.world.tokens.communityMember);
    expect(response.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  test('given a query nested past the depth limit, then QUERY_TOO_COMPLEX (200 under application/json)', async () => {
    const deep = `{ areas(first: 1) { nodes { ${'parent { '.repeat(12)}name${' }'.repeat(12)} } } }`;
    const response = await gql(h.server.httpUrl, deep, {}, h.world.tokens.communityMember);
    expect(response.status).toBe(200);
    expect(response.body.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
  });

  test('given a query whose connections multiply past the cost limit, then QUERY_TOO_COMPLEX', async () => {
    const costly = `{ organizations(first: 100) { nodes { members(first: 100) { nodes { user { memberships(first: 100) { nodes { organization { name } } } } } } } } }`;
    const response = await gql(h.server.httpUrl, costly, {}, h.world.tokens.communityMember);
    expect(response.body.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
  });
});
