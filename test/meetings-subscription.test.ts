import { sleep, subscribe, wsClient } from './support/graphql';
import { startHarness, stopHarness, type Harness } from './support/harness';
import { toGlobalId } from '../src/shared/relay/global-id';
import { until } from './support/wait';
import { addItem, call, scheduleMeeting } from './support/meetings';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => stopHarness(h));

/** Until `count` more subscriptions listen than before: a fixed pause was too short on a loaded machine (the change went out first and nothing arrived). */
const listening = (before: number, count: number) => until(() => h.server.services.events.subscriberCount() === before + count, 15_000);

const AGENDA = `subscription ($meetingId: ID!, $after: String) { meetingAgenda(meetingId: $meetingId, after: $after) { cursor type agendaItemGlobalId agendaItem { title status } meeting { id } } }`;
const FEED = `subscription ($after: String) { meetingsFeed(after: $after) { cursor type moved meeting { id title } } }`;
const UPDATE = `mutation ($input: AgendaItemUpdateInput!) { agendaItemUpdate(input: $input) { agendaItem { version } userErrors { code } } }`;

describe('meetingAgenda subscription', () => {
  test('given two participating organisations subscribed over graphql-ws, when the convener adds an agenda item, then both receive the change', async () => {
    const { meeting } = await scheduleMeeting(h);
    const community = wsClient(h.server.wsUrl, h.world.tokens.communityMember);
    const security = wsClient(h.server.wsUrl, h.world.tokens.securityAdmin);
    const before = h.server.services.events.subscriberCount();
    const subs = [subscribe(community, AGENDA, { meetingId: meeting.id }), subscribe(security, AGENDA, { meetingId: meeting.id })];
    await listening(before, 2);
    const item = await addItem(h, 'policeAdmin', meeting.id, '本月轄區治安形勢通報');
    for (const sub of subs) {
      const [change] = await sub.waitFor(1);
      expect(change.data).toEqual({
        meetingAgenda: { cursor: expect.stringMatching(/^\d+$/), type: 'agenda.itemAdded', agendaItemGlobalId: item.id, agendaItem: { title: '本月轄區治安形勢通報', status: 'ACCEPTED' }, meeting: { id: meeting.id } },
      });
    }
    await Promise.all([community.dispose(), security.dispose()]);
  });

  test('given an organisation not taking part, when its member subscribes, then it fails exactly like an unknown meeting and nothing arrives', async () => {
    const { meeting } = await scheduleMeeting(h);
    const client = wsClient(h.server.wsUrl, h.world.tokens.outsider);
    const denied = subscribe(client, AGENDA, { meetingId: meeting.id });
    const unknown = subscribe(client, AGENDA, { meetingId: toGlobalId('Meeting', '00000000-0000-4000-8000-000000000000') });
    await Promise.all([denied.ended, unknown.ended]);
    await addItem(h, 'policeAdmin', meeting.id, '不應送達');
    await sleep(400);
    expect(denied.received).toHaveLength(1);
    expect(denied.received[0].data ?? null).toBeNull();
    const codes = (r: { errors?: unknown[] }) => (r.errors as { message: string; extensions?: { code?: string } }[]).map((e) => [e.message, e.extensions?.code]);
    expect(codes(denied.received[0])).toEqual([['No Meeting with this id.', 'NOT_FOUND']]);
    expect(codes(unknown.received[0])).toEqual(codes(denied.received[0]));
    await client.dispose();
  });

  test('given a signed-out client, when subscribing, then UNAUTHENTICATED', async () => {
    const { meeting } = await scheduleMeeting(h);
    const client = wsClient(h.server.wsUrl, null);
    const sub = subscribe(client, AGENDA, { meetingId: meeting.id });
    await sub.ended;
    expect((sub.received[0].errors as { extensions?: { code?: string } }[])[0].extensions?.code).toBe('UNAUTHENTICATED');
    await client.dispose();
  });

  test('given a cursor, when resubscribing after N agenda changes made while disconnected, then exactly those N arrive in order', async () => {
    const { meeting } = await scheduleMeeting(h);
    const item = await addItem(h, 'communityAdmin', meeting.id, '電動車充電安全');
    const client = wsClient(h.server.wsUrl, h.world.tokens.communityMember);
    const before = h.server.services.events.subscriberCount();
    const live = subscribe(client, AGENDA, { meetingId: meeting.id });
    await listening(before, 1);
    await call(h, 'communityAdmin', UPDATE, { input: { id: item.id, expectedVersion: 1, title: 'v2' } });
    const [seen] = await live.waitFor(1);
    const cursor = seen.data!.meetingAgenda.cursor;
    await client.dispose();

    const titles = ['v3', 'v4', 'v5'];
    for (const [i, title] of titles.entries()) {
      const res = await call(h, 'communityAdmin', UPDATE, { input: { id: item.id, expectedVersion: i + 2, title } });
      expect(res.body.data.agendaItemUpdate.userErrors).toEqual([]);
    }
    // Another meeting's change in between must not be replayed.
    const other = await scheduleMeeting(h);
    await addItem(h, 'policeAdmin', other.meeting.id, '別的會議');

    const again = wsClient(h.server.wsUrl, h.world.tokens.communityMember);
    const resumed = subscribe(again, AGENDA, { meetingId: meeting.id, after: cursor });
    const replayed = await resumed.waitFor(3);
    const cursors = replayed.map((r) => BigInt(r.data!.meetingAgenda.cursor));
    expect(cursors.every((c, i) => c > (i === 0 ? BigInt(cursor) : cursors[i - 1]))).toBe(true);
    expect(replayed.map((r) => r.data!.meetingAgenda.type)).toEqual(['agenda.itemUpdated', 'agenda.itemUpdated', 'agenda.itemUpdated']);
    await sleep(400);
    expect(resumed.received).toHaveLength(3);
    await again.dispose();
  });
});

describe('meetingsFeed subscription', () => {
  test('given a participant and an outsider subscribed, when a meeting is scheduled and moved, then only the participant receives both', async () => {
    const member = wsClient(h.server.wsUrl, h.world.tokens.communityMember);
    const outsider = wsClient(h.server.wsUrl, h.world.tokens.outsider);
    const before = h.server.services.events.subscriberCount();
    const feed = subscribe(member, FEED);
    const nothing = subscribe(outsider, FEED);
    // The bus shows one more listener for these two feed subscriptions, not two; the pause covers the second.
    await listening(before, 1);
    await sleep(300);
    const { meeting } = await scheduleMeeting(h, { title: '臨時聯席會議' });
    const moved = await call(h, 'policeAdmin', `mutation ($input: MeetingUpdateInput!) { meetingUpdate(input: $input) { meeting { startsAt } userErrors { code } } }`, {
      input: { id: meeting.id, expectedVersion: 1, startsAt: '2026-12-11T06:30:00.000Z' },
    });
    expect(moved.body.data.meetingUpdate).toEqual({ meeting: { startsAt: '2026-12-11T06:30:00.000Z' }, userErrors: [] });
    const changes = await feed.waitFor(2);
    expect(changes.map((c) => [c.data!.meetingsFeed.type, c.data!.meetingsFeed.moved, c.data!.meetingsFeed.meeting.title])).toEqual([
      ['meeting.scheduled', false, '臨時聯席會議'],
      ['meeting.updated', true, '臨時聯席會議'],
    ]);
    await sleep(300);
    expect(nothing.received).toEqual([]);
    await Promise.all([member.dispose(), outsider.dispose()]);
  });
});
