import { registry } from '../src/shared/metrics';
import { subscribe, wsClient } from './support/graphql';
import { startHarness, stopHarness, type Harness } from './support/harness';
import { addItem, call, scheduleMeeting } from './support/meetings';
import { sleep, until } from './support/wait';

/**
 * A live event whose shared result is ready is written to the socket straight from the dispatcher (event-stream.ts
 * deliverDirectly, shared-subscribe.ts), skipping the stream's promise turns. It must not change what arrives: every
 * change once, in order, to every subscription. The first subscriber of a share key runs the execution on the
 * dispatcher's path; a selection that needs no read (here) is ready at once, for it and every other subscriber of
 * the key, in every wave of 256. (When the execution was always a promise, only the waves after the first went
 * direct: 44 of 300 per change.)
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => stopHarness(h));

const AGENDA = `subscription ($meetingId: ID!) { meetingAgenda(meetingId: $meetingId) { cursor type agendaItemGlobalId } }`;
const UPDATE = `mutation ($input: AgendaItemUpdateInput!) { agendaItemUpdate(input: $input) { agendaItem { version } userErrors { code } } }`;

async function directDeliveries(): Promise<number> {
  return (await registry.getSingleMetric('gongzhi_subscription_direct_deliveries_total')!.get()).values[0]?.value ?? 0;
}

test('given 300 subscriptions of one member to one meeting (one shared result, more than a wave), when the agenda changes three times in a row, then each subscription gets the three changes once, in order, and most went straight from the dispatcher', async () => {
  const { meeting } = await scheduleMeeting(h);
  const item = await addItem(h, 'communityAdmin', meeting.id, '初稿');
  const clients = Array.from({ length: 15 }, () => wsClient(h.server.wsUrl, h.world.tokens.communityMember));
  const before = h.server.services.events.subscriberCount();
  const subscriptions = clients.flatMap((client) => Array.from({ length: 20 }, () => subscribe(client, AGENDA, { meetingId: meeting.id })));
  await until(() => h.server.services.events.subscriberCount() === before + 300, 30_000);
  const directBefore = await directDeliveries();

  const titles = ['一稿', '二稿', '三稿'];
  for (const [i, title] of titles.entries()) {
    const res = await call(h, 'communityAdmin', UPDATE, { input: { id: item.id, expectedVersion: i + 1, title } });
    expect(res.body.data.agendaItemUpdate.userErrors).toEqual([]);
  }
  for (const subscription of subscriptions) await subscription.waitFor(3);
  // Anything sent twice would arrive in the meantime.
  await sleep(300);
  for (const subscription of subscriptions) {
    const changes = subscription.received.map((r) => r.data!.meetingAgenda);
    expect(changes.map((c) => [c.type, c.agendaItemGlobalId])).toEqual(titles.map(() => ['agenda.itemUpdated', item.id]));
    const cursors = changes.map((c) => BigInt(c.cursor));
    expect(cursors[0] < cursors[1] && cursors[1] < cursors[2]).toBe(true);
  }
  // All 900 when each change reaches idle streams; more than half leaves room for a change that finds some busy.
  expect((await directDeliveries()) - directBefore).toBeGreaterThan(450);
  await Promise.all(clients.map((client) => client.dispose()));
}, 60_000);
