import { gql, sleep, subscribe, wsClient } from './support/graphql';
import { startHarness, stopHarness, type Harness } from './support/harness';
import { toGlobalId } from '../src/shared/relay/global-id';
import { subscribeListening } from './support/listening';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => stopHarness(h));

const NETWORK_CHANGES = `subscription ($after: String) { networkChanges(after: $after) { cursor type organization { name } } }`;
const UPDATE = `mutation ($input: OrganizationUpdateInput!) { organizationUpdate(input: $input) { organization { name version } userErrors { code } } }`;

describe('networkChanges subscription', () => {
  test('given a community member subscribed, when the community is renamed, then the change arrives with a cursor', async () => {
    const client = wsClient(h.server.wsUrl, h.world.tokens.communityMember);
    const sub = await subscribeListening(h.server, client, NETWORK_CHANGES);
    const renamed = await gql(h.server.httpUrl, UPDATE, { input: { id: h.world.gid.org('community'), name: '三板橋社區居委會（新）' } }, h.world.tokens.communityAdmin);
    expect(renamed.body.data.organizationUpdate.userErrors).toEqual([]);
    const [first] = await sub.waitFor(1);
    expect(first.data).toMatchObject({ networkChanges: { type: 'organization.updated', organization: { name: '三板橋社區居委會（新）' } } });
    expect(first.data!.networkChanges.cursor).toMatch(/^\d+$/);
    await client.dispose();
  });

  test('given a member of an unrelated organisation subscribed, when the community changes, then nothing arrives', async () => {
    const client = wsClient(h.server.wsUrl, h.world.tokens.outsider);
    const sub = await subscribeListening(h.server, client, NETWORK_CHANGES);
    await gql(h.server.httpUrl, UPDATE, { input: { id: h.world.gid.org('community'), description: 'outsider must not see this' } }, h.world.tokens.communityAdmin);
    await sleep(600);
    expect(sub.received).toEqual([]);
    await client.dispose();
  });

  test('given a member whose membership is removed, then the removal is their last event and later changes do not arrive', async () => {
    const member = h.world.users.communityObserver;
    const client = wsClient(h.server.wsUrl, h.world.tokens.communityObserver);
    const sub = await subscribeListening(h.server, client, NETWORK_CHANGES);
    const [membership] = await h.server.services.db.query(`SELECT id FROM membership WHERE user_id = $1`, [member.id]);
    const removed = await gql(
      h.server.httpUrl,
      `mutation ($input: MembershipRemoveInput!) { membershipRemove(input: $input) { removedMembershipId userErrors { code } } }`,
      { input: { membershipId: toGlobalId('Membership', membership.id) } },
      h.world.tokens.communityAdmin,
    );
    expect(removed.body.data.membershipRemove.userErrors).toEqual([]);
    await sub.waitFor(1);
    await gql(h.server.httpUrl, UPDATE, { input: { id: h.world.gid.org('community'), description: 'after removal' } }, h.world.tokens.communityAdmin);
    await sleep(600);
    expect(sub.received.map((r) => r.data?.networkChanges.type)).toEqual(['membership.removed']);
    await client.dispose();
  });

  test('given a cursor, when resubscribing after missed changes, then exactly those changes replay in order', async () => {
    const client = wsClient(h.server.wsUrl, h.world.tokens.policeAdmin);
    const live = await subscribeListening(h.server, client, NETWORK_CHANGES);
    await gql(h.server.httpUrl, UPDATE, { input: { id: h.world.gid.org('police'), description: 'v1' } }, h.world.tokens.policeAdmin);
    const [seen] = await live.waitFor(1);
    const cursor = seen.data!.networkChanges.cursor;
    await client.dispose();

    for (const v of ['v2', 'v3', 'v4']) {
      await gql(h.server.httpUrl, UPDATE, { input: { id: h.world.gid.org('police'), description: v } }, h.world.tokens.policeAdmin);
    }
    const again = wsClient(h.server.wsUrl, h.world.tokens.policeAdmin);
    const resumed = subscribe(again, NETWORK_CHANGES, { after: cursor });
    const replayed = await resumed.waitFor(3);
    const cursors = replayed.map((r) => BigInt(r.data!.networkChanges.cursor));
    expect(cursors.every((c, i) => c > (i === 0 ? BigInt(cursor) : cursors[i - 1]))).toBe(true);
    await sleep(400);
    expect(resumed.received).toHaveLength(3);
    await again.dispose();
  });
});
