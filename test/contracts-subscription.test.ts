import { gql, sleep, subscribe, wsClient } from './support/graphql';
import { startHarness, stopHarness, type Harness } from './support/harness';
import { PROPOSE, draftContract } from './support/contracts';
import { subscribeListening } from './support/listening';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => stopHarness(h));

const CONTRACT_UPDATES = `subscription ($after: String) { contractUpdates(after: $after) { cursor type awaitingYourSignature contract { id status } } }`;

describe('contractUpdates subscription', () => {
  test("given the security company's ADMIN and an outsider subscribed, when a contract is proposed, then only the party receives it, flagged as awaiting its signature, and not the draft before it", async () => {
    const party = wsClient(h.server.wsUrl, h.world.tokens.securityAdmin);
    const outsider = wsClient(h.server.wsUrl, h.world.tokens.outsider);
    const outsiderSub = subscribe(outsider, CONTRACT_UPDATES);
    const partySub = await subscribeListening(h.server, party, CONTRACT_UPDATES);
    const drafted = await draftContract(h);
    await gql(h.server.httpUrl, PROPOSE, { input: { id: drafted.id, expectedVersion: drafted.version } }, h.world.tokens.communityAdmin);
    // The draft was the community's own business; the named provider hears of it once it is proposed.
    const [first] = await partySub.waitFor(1);
    expect(first.data!.contractUpdates).toMatchObject({ type: 'contract.proposed', awaitingYourSignature: true, contract: { id: drafted.id, status: 'PROPOSED' } });
    await sleep(400);
    expect(partySub.received).toHaveLength(1);
    expect(outsiderSub.received).toEqual([]);
    await party.dispose();
    await outsider.dispose();
  });

  test('given a signed-out subscriber, then the subscription fails with UNAUTHENTICATED', async () => {
    const client = wsClient(h.server.wsUrl, null);
    const sub = subscribe(client, CONTRACT_UPDATES);
    await sub.ended;
    expect(JSON.stringify(sub.received)).toContain('UNAUTHENTICATED');
    await client.dispose();
  });
});
