import { gql } from './support/graphql';
import { startHarness, stopHarness, tokenForEmail, type Harness } from './support/harness';
import { clock } from '../src/shared/clock';
import { loadDemoData } from '../src/demo';
import { createLogger } from '../src/shared/logger';
import { toGlobalId } from '../src/shared/relay/global-id';
import { addItem, call, scheduleMeeting } from './support/meetings';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterEach(() => clock.reset());
afterAll(() => stopHarness(h));

const NEXT_AGENDA = `query ($id: ID!) { meeting(id: $id) { agendaItems { nodes { title status position carriedOverFrom { id } sourceActionItem { id overdue } } } } }`;

describe('carry-over to the next meeting of a series', () => {
  test('given a deferred item and an action item that becomes overdue, when the meeting concludes and time passes, then the next meeting of the series is offered both, once', async () => {
    clock.freeze(new Date('2027-03-01T00:00:00Z'));
    const { series } = await scheduleMeeting(h, { startsAt: '2027-03-05T06:30:00Z', endsAt: '2027-03-05T08:30:00Z', recurrence: { frequency: 'MONTHLY', occurrences: 3 } });
    const [first, second] = series.meetings.nodes;
    const discussed = await addItem(h, 'policeAdmin', first.id, '電動車集中充電');
    const postponed = await addItem(h, 'policeAdmin', first.id, '樓道違章搭建排查');
    await call(h, 'policeAdmin', `mutation ($input: MeetingStartInput!) { meetingStart(input: $input) { userErrors { code } } }`, { input: { id: first.id } });
    await call(h, 'policeAdmin', `mutation ($input: AgendaItemRecordOutcomeInput!) { agendaItemRecordOutcome(input: $input) { userErrors { code } } }`, {
      input: { id: discussed.id, status: 'DISCUSSED', decision: '社區牽頭選址' },
    });
    const created = await call(h, 'policeAdmin', `mutation ($input: ActionItemCreateInput!) { actionItemCreate(input: $input) { actionItem { id overdue } userErrors { code } } }`, {
      input: { agendaItemId: discussed.id, title: '充電棚選址', responsibleOrganizationId: h.world.gid.org('community'), leaderUserId: h.world.gid.user('communityAdmin'), handlerUserId: h.world.gid.user('communityMember'), dueOn: '2027-03-20' },
    });
    const action = created.body.data.actionItemCreate.actionItem;
    expect(action.overdue).toBe(false);
    const concluded = await call(h, 'policeAdmin', `mutation ($input: MeetingConcludeInput!) { meetingConclude(input: $input) { meeting { status } userErrors { code } } }`, {
      input: { id: first.id, attendedOrganizationIds: [h.world.gid.org('police'), h.world.gid.org('community')] },
    });
    expect(concluded.body.data.meetingConclude.userErrors).toEqual([]);

    const afterConclusion = await call(h, 'communityMember', NEXT_AGENDA, { id: second.id });
    expect(afterConclusion.body.data.meeting.agendaItems.nodes).toEqual([{ title: '樓道違章搭建排查', status: 'ACCEPTED', position: 1, carriedOverFrom: { id: postponed.id }, sourceActionItem: null }]);

    clock.advance(24 * 86_400_000); // 2027-03-25: the action item is overdue, the second meeting (04-05) is next
    await h.server.scheduler.runAll();
    await h.server.scheduler.runAll();
    const offered = await call(h, 'communityMember', NEXT_AGENDA, { id: second.id });
    expect(offered.body.data.meeting.agendaItems.nodes).toEqual([
      { title: '樓道違章搭建排查', status: 'ACCEPTED', position: 1, carriedOverFrom: { id: postponed.id }, sourceActionItem: null },
      { title: '逾期督辦：充電棚選址', status: 'PROPOSED', position: 2, carriedOverFrom: null, sourceActionItem: { id: action.id, overdue: true } },
    ]);
    const overdue = await call(h, 'communityMember', `query ($org: ID) { actionItems(responsibleOrganizationId: $org, overdue: true) { nodes { id } } }`, { org: h.world.gid.org('community') });
    expect(overdue.body.data.actionItems.nodes).toEqual([{ id: action.id }]);
    const outsider = await call(h, 'outsider', `{ actionItems(overdue: true) { totalCount } }`);
    expect(outsider.body.data.actionItems.totalCount).toBe(0);
  });
});

describe('demo data', () => {
  test('given the demo data, the joint security meeting of 中山路派出所 has minutes, overdue action items and the next meeting offered them', async () => {
    await loadDemoData(h.server.services.db, createLogger('silent'));
    const [police] = await h.server.services.db.query(`SELECT id FROM organization WHERE name = '中山路派出所' AND description IS NOT NULL`);
    const token = await tokenForEmail(h, 'liaison@gongzhi.demo');
    const res = await gql(
      h.server.httpUrl,
      `query ($org: ID) {
        meetings(organizationId: $org) { nodes { title status agendaItems { nodes { status minutes sourceActionItem { overdue } } } } }
        actionItems(overdue: true) { totalCount }
      }`,
      { org: toGlobalId('Organization', police.id) },
      token,
    );
    const meetings = res.body.data.meetings.nodes;
    expect(meetings.map((m: { status: string }) => m.status)).toEqual(['CONCLUDED', 'CONCLUDED', 'CONCLUDED', 'SCHEDULED', 'SCHEDULED']);
    expect(meetings[0].agendaItems.nodes[0].minutes).toContain('派出所通報');
    expect(meetings[3].agendaItems.nodes.filter((i: { sourceActionItem: unknown }) => i.sourceActionItem)).toHaveLength(2);
    expect(res.body.data.actionItems.totalCount).toBe(2);
  });
});
